/**
 * The room page's state. Components read it through selectors; the reducers below are pure
 * so the rules (what a snapshot changes, what gets announced) are tested without React.
 */
import { createStore, useStore } from 'zustand';
import type { Member, RoomInfo, RoomSnapshot } from '../api/types';

export type RoomPhase =
  /** Finding out whether we are already a member (rejoin with a stored token, or probe). */
  | { kind: 'checking' }
  /** Not a member yet: the join card. `notice` explains why, e.g. an expired token. */
  | { kind: 'join'; notice: string | null }
  /** The join card's request is in flight. */
  | { kind: 'joining' }
  /** Joined, waiting for the first snapshot. */
  | { kind: 'entering' }
  | { kind: 'in-room' }
  /** Nothing to do in this room: unknown code, server unreachable on arrival… */
  | { kind: 'failed'; message: string; retryable: boolean; unknownRoom: boolean };

export type Connection = 'connected' | 'reconnecting';

export interface Announcement {
  id: number;
  text: string;
}

export interface RoomState {
  /** Canonical code of the room the page is about, null on other pages. */
  code: string | null;
  phase: RoomPhase;
  room: RoomInfo | null;
  selfId: string | null;
  members: Member[];
  connection: Connection;
  /** An error shown on the join card (bad name, rate limited, …). */
  joinError: string | null;
  /** Latest text for the polite live region. */
  announcement: Announcement | null;
}

export const initialRoomState: RoomState = {
  code: null,
  phase: { kind: 'checking' },
  room: null,
  selfId: null,
  members: [],
  connection: 'connected',
  joinError: null,
  announcement: null,
};

/** What changed in the member list, as sentences for the live region. */
export function membershipChanges(previous: Member[], next: Member[], selfId: string | null): string[] {
  const before = new Map(previous.map((m) => [m.id, m]));
  const after = new Map(next.map((m) => [m.id, m]));
  const changes: string[] = [];
  for (const member of next) {
    if (member.id === selfId) continue;
    const old = before.get(member.id);
    if (old === undefined) changes.push(`${member.displayName} joined the room`);
    else if (!old.online && member.online) changes.push(`${member.displayName} is back online`);
    else if (old.online && !member.online) changes.push(`${member.displayName} went offline`);
  }
  for (const member of previous) {
    if (member.id !== selfId && !after.has(member.id)) changes.push(`${member.displayName} left the room`);
  }
  return changes;
}

export function announce(state: RoomState, text: string): Partial<RoomState> {
  return { announcement: { id: (state.announcement?.id ?? 0) + 1, text } };
}

/** Applies a room snapshot. The first one enters the room; later ones announce changes. */
export function applySnapshot(state: RoomState, snapshot: RoomSnapshot): Partial<RoomState> {
  const firstSnapshot = state.phase.kind !== 'in-room';
  const update: Partial<RoomState> = {
    room: snapshot.room,
    selfId: snapshot.self,
    members: snapshot.members,
    connection: 'connected',
    phase: { kind: 'in-room' },
    joinError: null,
  };
  if (firstSnapshot) {
    const others = snapshot.members.filter((m) => m.id !== snapshot.self && m.online).length;
    const who = others === 0 ? 'Nobody else is here yet' : `${others} ${others === 1 ? 'other person is' : 'others are'} here`;
    return { ...update, ...announce(state, `You joined the room. ${who}.`) };
  }
  const changes = membershipChanges(state.members, snapshot.members, snapshot.self);
  return changes.length === 0 ? update : { ...update, ...announce(state, `${changes.join('. ')}.`) };
}

export const roomStore = createStore<RoomState>()(() => initialRoomState);

export function useRoom<T>(selector: (state: RoomState) => T): T {
  return useStore(roomStore, selector);
}

/** Members with the signed-in person first, then in order of joining. */
export function orderedMembers(members: Member[], selfId: string | null): Member[] {
  const self = members.filter((m) => m.id === selfId);
  return [...self, ...members.filter((m) => m.id !== selfId)];
}
