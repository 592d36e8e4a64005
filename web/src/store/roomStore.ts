/**
 * The room page's state. Components read it through selectors; the reducers below are pure
 * so the rules (what a snapshot changes, what gets announced) are tested without React.
 */
import { createStore, useStore } from 'zustand';
import type { CallInfo, FileInfo, IceSettings, Member, RoomInfo, RoomSnapshot } from '../api/types';
import { DEFAULT_CALL_CAPACITY } from '../api/parse';
import { mergeFiles, unseenFiles } from '../files/fileList';
import type { ServerEvent } from '../realtime/events';

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

/**
 * The realtime link: `reconnecting` while the socket is down after having been up,
 * `unreachable` once several attempts in a row failed (it keeps trying; the page offers
 * "Try again").
 */
export type Connection = 'connected' | 'reconnecting' | 'unreachable';

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
  /** The room's active call (whether or not we are in it), null when none runs. */
  call: CallInfo | null;
  /** The room's shared files, oldest first, one per id (show them with `newestFirst`). */
  files: FileInfo[];
  /** STUN/TURN servers for calls (our own TURN credentials) and the policy, from the latest snapshot. */
  ice: IceSettings;
  /** How many people one call holds on this server. */
  callCapacity: number;
  /** File types `prepare` refuses in this room (the snapshot's `blockedFileTypes`). */
  blockedFileTypes: string[];
  /** The realtime link; `reconnecting` while the socket is down after having been up. */
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
  call: null,
  files: [],
  ice: { iceServers: [], iceTransportPolicy: 'all' },
  callCapacity: DEFAULT_CALL_CAPACITY,
  blockedFileTypes: [],
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

/** A member's name for sentences; someone we have not heard of yet is "Someone". */
export function nameOf(members: Member[], memberId: string, selfId: string | null = null): string {
  if (memberId === selfId) return 'You';
  return members.find((m) => m.id === memberId)?.displayName ?? 'Someone';
}

/** What changed about the call between two snapshots, as sentences for the live region. */
export function callChanges(previous: CallInfo | null, next: CallInfo | null, members: Member[], selfId: string | null): string[] {
  if (previous === null && next === null) return [];
  if (next === null) return ['The call ended'];
  if (previous === null || previous.id !== next.id) {
    return [`${nameOf(members, next.startedBy, selfId)} started a call`];
  }
  const before = new Set(previous.participants.map((p) => p.memberId));
  const after = new Set(next.participants.map((p) => p.memberId));
  const changes: string[] = [];
  for (const id of after) if (!before.has(id) && id !== selfId) changes.push(`${nameOf(members, id)} joined the call`);
  for (const id of before) if (!after.has(id) && id !== selfId) changes.push(`${nameOf(members, id)} left the call`);
  return changes;
}

/** What the live region says about files that appeared, e.g. "Alice shared notes.pdf". */
export function fileChanges(added: FileInfo[], selfId: string | null): string[] {
  const fromOthers = added.filter((file) => file.uploader.id !== selfId);
  if (fromOthers.length > 3) return [`${fromOthers.length} files were shared`];
  return fromOthers.map((file) => `${file.uploader.displayName || 'Someone'} shared ${file.filename}`);
}

function sentences(changes: string[]): string {
  return `${changes.join('. ')}.`;
}

/**
 * Applies a room snapshot (`room:state`, after every (re)join): it replaces what we knew
 * wholesale. The first one enters the room; later ones announce what changed meanwhile.
 */
export function applySnapshot(state: RoomState, snapshot: RoomSnapshot): Partial<RoomState> {
  const firstSnapshot = state.phase.kind !== 'in-room';
  const update: Partial<RoomState> = {
    room: snapshot.room,
    selfId: snapshot.self,
    members: snapshot.members,
    call: snapshot.call,
    // Files are never taken back, so what we learnt between snapshots stays.
    files: mergeFiles(state.files, snapshot.files),
    ice: { iceServers: snapshot.iceServers, iceTransportPolicy: snapshot.iceTransportPolicy },
    callCapacity: snapshot.callCapacity,
    blockedFileTypes: snapshot.blockedFileTypes ?? [],
    connection: 'connected',
    phase: { kind: 'in-room' },
    joinError: null,
  };
  if (firstSnapshot) {
    const others = snapshot.members.filter((m) => m.id !== snapshot.self && m.online).length;
    const who = others === 0 ? 'Nobody else is here yet' : `${others} ${others === 1 ? 'other person is' : 'others are'} here`;
    const call = snapshot.call === null ? '' : ' A call is on.';
    return { ...update, ...announce(state, `You joined the room. ${who}.${call}`) };
  }
  const changes = [
    ...membershipChanges(state.members, snapshot.members, snapshot.self),
    ...callChanges(state.call, snapshot.call, snapshot.members, snapshot.self),
    ...fileChanges(unseenFiles(state.files, snapshot.files), snapshot.self),
  ];
  return changes.length === 0 ? update : { ...update, ...announce(state, sentences(changes)) };
}

/**
 * Applies one realtime event between snapshots. Pure: the state's arrays are replaced, never
 * mutated. Events about another call than the one we know are ignored (a resync follows any
 * gap, so they cannot be news we missed). Signals and errors do not touch the room state.
 */
export function applyServerEvent(state: RoomState, event: ServerEvent): Partial<RoomState> {
  const selfId = state.selfId;
  switch (event.type) {
    case 'member:joined': {
      const member = { ...event.data.member, online: true };
      const old = state.members.find((m) => m.id === member.id);
      const members = old === undefined ? [...state.members, member] : state.members.map((m) => (m.id === member.id ? member : m));
      if (member.id === selfId) return { members };
      const text = old === undefined ? `${member.displayName} joined the room` : old.online ? null : `${member.displayName} is back online`;
      return text === null ? { members } : { members, ...announce(state, `${text}.`) };
    }
    case 'member:left': {
      const { memberId, reason } = event.data;
      const old = state.members.find((m) => m.id === memberId);
      if (old === undefined) return {};
      if (reason === 'offline') {
        if (!old.online) return {};
        const members = state.members.map((m) => (m.id === memberId ? { ...m, online: false } : m));
        return memberId === selfId ? { members } : { members, ...announce(state, `${old.displayName} went offline.`) };
      }
      // `left`: gone for good, and out of the call too if the server has not said so yet.
      const members = state.members.filter((m) => m.id !== memberId);
      const call = state.call === null ? null : withoutParticipant(state.call, memberId);
      return memberId === selfId ? { members, call } : { members, call, ...announce(state, `${old.displayName} left the room.`) };
    }
    case 'call:started': {
      const call = event.data.call;
      const text = call.startedBy === selfId ? 'You started a call.' : `${nameOf(state.members, call.startedBy)} started a call.`;
      return { call, ...announce(state, text) };
    }
    case 'call:participant-joined': {
      const { callId, memberId } = event.data;
      if (state.call === null || state.call.id !== callId) return {};
      if (state.call.participants.some((p) => p.memberId === memberId)) return {};
      const call = {
        ...state.call,
        participants: [...state.call.participants, { memberId, joinedAt: new Date().toISOString() }],
      };
      return memberId === selfId ? { call } : { call, ...announce(state, `${nameOf(state.members, memberId)} joined the call.`) };
    }
    case 'call:participant-left': {
      const { callId, memberId } = event.data;
      if (state.call === null || state.call.id !== callId) return {};
      if (!state.call.participants.some((p) => p.memberId === memberId)) return {};
      const call = withoutParticipant(state.call, memberId);
      return memberId === selfId ? { call } : { call, ...announce(state, `${nameOf(state.members, memberId)} left the call.`) };
    }
    case 'call:ended': {
      if (state.call === null || state.call.id !== event.data.callId) return {};
      const by = event.data.endedBy;
      const text =
        event.data.reason === 'ended' && by !== undefined && by !== selfId
          ? `${nameOf(state.members, by)} ended the call.`
          : 'The call ended.';
      return { call: null, ...announce(state, text) };
    }
    case 'file:added':
      return applyFileAdded(state, event.data.file);
    default:
      return {};
  }
}

/**
 * A file that became visible (`file:added`, or our own `complete` answering first). Once per
 * id: the second arrival of the same file changes nothing and says nothing.
 */
export function applyFileAdded(state: RoomState, file: FileInfo): Partial<RoomState> {
  if (state.files.some((known) => known.id === file.id)) {
    const files = mergeFiles(state.files, [file]);
    return files === state.files ? {} : { files };
  }
  const files = mergeFiles(state.files, [file]);
  const text =
    file.uploader.id === state.selfId ? `You shared ${file.filename}.` : `${fileChanges([file], state.selfId)[0]}.`;
  return { files, ...announce(state, text) };
}

function withoutParticipant(call: CallInfo, memberId: string): CallInfo {
  return { ...call, participants: call.participants.filter((p) => p.memberId !== memberId) };
}

/** Whether a member is a participant of the room's call. */
export function isInCall(call: CallInfo | null, memberId: string | null): boolean {
  return call !== null && memberId !== null && call.participants.some((p) => p.memberId === memberId);
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
