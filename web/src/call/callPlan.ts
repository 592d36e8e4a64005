/**
 * What the call session does about a room snapshot or a realtime event, decided by pure
 * functions so the rules are tested without a socket, a browser or a mesh. callSession.ts
 * carries the plans out.
 */
import type { CallInfo } from '../api/types';
import type { ServerEvent } from '../realtime/events';

/** This page's relation to the room's call. */
export type CallPhase =
  /** Not in a call (there may be one running without us). */
  | 'idle'
  /** `call:start` sent, waiting for `call:started`. */
  | 'starting'
  /** `call:join` sent, waiting for our `call:participant-joined`. */
  | 'joining'
  /** In the call: the mesh runs (media may still be starting). */
  | 'in-call';

export interface MyCall {
  phase: CallPhase;
  /** The call we are in (`in-call`) or joining; null otherwise. */
  callId: string | null;
}

export type ResyncPlan =
  | { kind: 'none' }
  /**
   * We were in the call and it goes on: `call:join` again (harmless if the server kept us
   * through its grace period, needed if it dropped us), fresh ICE servers, and an ICE restart
   * with everyone in it (protocol.md, "on reconnect"). `fresh`: the server had dropped us, so
   * the others closed their connections to us; ours are useless and are made anew.
   */
  | { kind: 'rejoin'; callId: string; others: string[]; fresh: boolean }
  /** We were in the call and it ended while we were away: close the media. */
  | { kind: 'teardown' }
  /**
   * The server lists us in a call this page is not in (a reload while in the call, or a
   * `call:start`/`call:join` whose answer the drop swallowed): leave it, so the others do not
   * wait for media that never comes. The stage then offers "Join call".
   */
  | { kind: 'leave-stale'; callId: string };

export function participantsOf(call: CallInfo | null): string[] {
  return call === null ? [] : call.participants.map((p) => p.memberId);
}

/** Decides what a `room:state` (first one or after a reconnect) means for our call. */
export function planResync(mine: MyCall, call: CallInfo | null, selfId: string): ResyncPlan {
  if (mine.phase === 'in-call' && mine.callId !== null) {
    if (call === null || call.id !== mine.callId) return { kind: 'teardown' };
    const participants = participantsOf(call);
    return {
      kind: 'rejoin',
      callId: call.id,
      others: participants.filter((id) => id !== selfId),
      fresh: !participants.includes(selfId),
    };
  }
  // starting/joining lost their answer with the socket; the request failed and set us idle.
  if (call !== null && participantsOf(call).includes(selfId)) return { kind: 'leave-stale', callId: call.id };
  return { kind: 'none' };
}

export type CallEventPlan =
  | { kind: 'none' }
  /** Someone else joined our call: make their connection and wait for their offer. */
  | { kind: 'peer-joined'; memberId: string }
  /** Someone left our call (or the room): close their connection. */
  | { kind: 'peer-left'; memberId: string }
  /** We are out of the call although this page did not leave it (another tab, or dropped). */
  | { kind: 'removed' }
  /** Our call ended for everyone. */
  | { kind: 'ended' }
  /** A signal for the mesh. */
  | { kind: 'signal' };

/** Decides what a realtime event means for our call's media. */
export function planCallEvent(mine: MyCall, event: ServerEvent, selfId: string): CallEventPlan {
  if (mine.phase !== 'in-call' || mine.callId === null) return { kind: 'none' };
  const callId = mine.callId;
  switch (event.type) {
    case 'call:participant-joined':
      if (event.data.callId !== callId || event.data.memberId === selfId) return { kind: 'none' };
      return { kind: 'peer-joined', memberId: event.data.memberId };
    case 'call:participant-left':
      if (event.data.callId !== callId) return { kind: 'none' };
      return event.data.memberId === selfId ? { kind: 'removed' } : { kind: 'peer-left', memberId: event.data.memberId };
    case 'member:left':
      // Leaving the room (or being removed) leaves the call; going offline does not (the server's grace period).
      if (event.data.reason === 'offline' || event.data.memberId === selfId) return { kind: 'none' };
      return { kind: 'peer-left', memberId: event.data.memberId };
    case 'call:ended':
      return event.data.callId === callId ? { kind: 'ended' } : { kind: 'none' };
    case 'signal:offer':
    case 'signal:answer':
    case 'signal:ice':
      return { kind: 'signal' };
    default:
      return { kind: 'none' };
  }
}

/** Who may end the call for everyone (protocol.md: its starter or the room's creator). */
export function canEndForEveryone(call: CallInfo | null, selfId: string | null, roomCreatedBy: string | null): boolean {
  if (call === null || selfId === null) return false;
  return call.startedBy === selfId || roomCreatedBy === selfId;
}

/** The call's default capacity (protocol.md); the server's `call_full` is what counts. */
export const CALL_CAPACITY = 6;
