/**
 * The room page's state. Components read it through selectors; the reducers below are pure
 * so the rules (what a snapshot changes, what gets announced) are tested without React.
 */
import { createStore, useStore } from 'zustand';
import type { CallInfo, ChatMessage, FileInfo, IceSettings, Member, RoomInfo, RoomSnapshot } from '../api/types';
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
  /** The room's creator removed us: no way back in from this browser. */
  | { kind: 'removed' }
  /** Our join was refused because the room is locked. */
  | { kind: 'locked' }
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

/** Where the chat history stands: can it go further back, is a page on its way, did one fail. */
export interface ChatHistory {
  /** The server may have messages older than our first one. */
  hasOlder: boolean;
  loading: boolean;
  /** Why the last attempt to load older messages failed, in words. */
  error: string | null;
}

/** The snapshot's and the history page's size: fewer than this means the start of the room. */
export const SNAPSHOT_MESSAGES = 100;

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
  /** The chat as far as we have it, oldest first, one per id. */
  messages: ChatMessage[];
  chatHistory: ChatHistory;
  /** Whether the Chat tab is the one on show (messages then count as read). */
  chatOpen: boolean;
  /** Messages from others that arrived while the Chat tab was not on show. */
  unreadMessages: number;
  /** What the server refuses to take as files (protocol.md "File types"), lowercased. */
  blockedFileTypes: string[];
  /** STUN/TURN servers for calls (our own TURN credentials) and the policy, from the latest snapshot. */
  ice: IceSettings;
  /** How many people one call holds on this server. */
  callCapacity: number;
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
  messages: [],
  chatHistory: { hasOlder: false, loading: false, error: null },
  chatOpen: false,
  unreadMessages: 0,
  blockedFileTypes: [],
  ice: { iceServers: [], iceTransportPolicy: 'all' },
  callCapacity: DEFAULT_CALL_CAPACITY,
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
  return changes.map((change) => (/[.!?…]$/.test(change) ? change : `${change}.`)).join(' ');
}

/**
 * Applies a room snapshot (`room:state`, after every (re)join): it replaces what we knew
 * wholesale. The first one enters the room; later ones announce what changed meanwhile.
 */
export function applySnapshot(state: RoomState, snapshot: RoomSnapshot): Partial<RoomState> {
  const firstSnapshot = state.phase.kind !== 'in-room';
  const chat = resyncMessages(state.messages, snapshot.messages, state.chatHistory.hasOlder);
  const missed = firstSnapshot ? [] : unseenMessages(state.messages, snapshot.messages, snapshot.self);
  const update: Partial<RoomState> = {
    room: snapshot.room,
    selfId: snapshot.self,
    members: snapshot.members,
    call: snapshot.call,
    // Files are never taken back, so what we learnt between snapshots stays.
    files: mergeFiles(state.files, snapshot.files),
    messages: chat.messages,
    chatHistory: { hasOlder: chat.hasOlder, loading: false, error: null },
    unreadMessages: state.chatOpen ? 0 : state.unreadMessages + missed.length,
    blockedFileTypes: snapshot.blockedFileTypes,
    ice: { iceServers: snapshot.iceServers, iceTransportPolicy: snapshot.iceTransportPolicy },
    callCapacity: snapshot.callCapacity,
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
    ...messageChanges(missed),
    ...handChanges(state.members, snapshot.members, snapshot.self),
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
      // `left` or `removed`: gone for good, and out of the call too if the server has not said so yet.
      const members = state.members.filter((m) => m.id !== memberId);
      const call = state.call === null ? null : withoutParticipant(state.call, memberId);
      if (memberId === selfId) return { members, call };
      const text = reason === 'removed' ? `${old.displayName} was removed from the room.` : `${old.displayName} left the room.`;
      return { members, call, ...announce(state, text) };
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
    case 'chat:message':
      return applyChatMessage(state, event.data.message);
    case 'room:updated': {
      const before = state.room;
      // The creator never changes; a server that leaves it out must not take the host controls away.
      const room = { ...event.data.room, createdBy: event.data.room.createdBy || (before?.createdBy ?? '') };
      if (before !== null && before.locked === room.locked) return { room };
      return { room, ...announce(state, room.locked ? 'The room is now locked.' : 'The room is unlocked.') };
    }
    case 'member:updated': {
      const update = event.data.member;
      const old = state.members.find((m) => m.id === update.id);
      if (old === undefined) return {};
      // Presence comes with member:joined/left; this event is about the member's own state.
      const member = { ...old, displayName: update.displayName, handRaisedAt: update.handRaisedAt };
      const members = state.members.map((m) => (m.id === member.id ? member : m));
      const changes = handChanges([old], [member], selfId);
      return changes.length === 0 ? { members } : { members, ...announce(state, sentences(changes)) };
    }
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

/**
 * A message that arrived (`chat:message`, ours included), once per id. Someone else's is
 * read out (whichever tab is on show: the reader may be anywhere on the page) and counts as
 * unread unless the Chat tab is open.
 */
export function applyChatMessage(state: RoomState, message: ChatMessage): Partial<RoomState> {
  if (state.messages.some((known) => known.id === message.id)) return {};
  const messages = [...state.messages, message];
  if (message.memberId === state.selfId) return { messages };
  return {
    messages,
    unreadMessages: state.chatOpen ? 0 : state.unreadMessages + 1,
    ...announce(state, sentences(messageChanges([message]))),
  };
}

/** A page of older messages (oldest first) goes before what we have; fewer than `limit`: the start. */
export function applyOlderMessages(state: RoomState, page: ChatMessage[], limit: number): Partial<RoomState> {
  const known = new Set(state.messages.map((m) => m.id));
  const older = dedupe(page).filter((m) => !known.has(m.id));
  return {
    messages: older.length === 0 ? state.messages : [...older, ...state.messages],
    chatHistory: { hasOlder: page.length >= limit, loading: false, error: null },
  };
}

/** Opening the Chat tab reads everything; closing it starts counting again. */
export function applyChatOpen(state: RoomState, open: boolean): Partial<RoomState> {
  if (state.chatOpen === open && (!open || state.unreadMessages === 0)) return {};
  return { chatOpen: open, unreadMessages: open ? 0 : state.unreadMessages };
}

/**
 * The chat after a resync. The snapshot has the room's latest messages; what we loaded
 * before them stays when the two meet (the snapshot's first is one we know), else the
 * snapshot alone is the history (with a gap between, older pages are asked for again).
 */
export function resyncMessages(
  known: ChatMessage[],
  latest: ChatMessage[],
  hadOlder: boolean,
): { messages: ChatMessage[]; hasOlder: boolean } {
  // Fewer than a snapshot holds: that is the room's whole chat.
  if (latest.length < SNAPSHOT_MESSAGES) return { messages: dedupe(latest), hasOlder: false };
  const meet = known.findIndex((m) => m.id === latest[0]!.id);
  if (meet < 0) return { messages: dedupe(latest), hasOlder: true };
  return { messages: dedupe([...known.slice(0, meet), ...latest]), hasOlder: hadOlder };
}

function dedupe(messages: ChatMessage[]): ChatMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => !seen.has(m.id) && (seen.add(m.id), true));
}

/** Messages of others in `incoming` that `known` does not have, in order. */
export function unseenMessages(known: ChatMessage[], incoming: ChatMessage[], selfId: string | null): ChatMessage[] {
  const seen = new Set(known.map((m) => m.id));
  return incoming.filter((m) => !seen.has(m.id) && m.memberId !== selfId);
}

const ANNOUNCED_TEXT_LENGTH = 200;

/** New messages for the live region: "Bob: hello" (long ones cut), or a count when many. */
export function messageChanges(messages: ChatMessage[]): string[] {
  if (messages.length > 3) return [`${messages.length} new messages`];
  return messages.map((m) => {
    const text = m.text.length > ANNOUNCED_TEXT_LENGTH ? `${m.text.slice(0, ANNOUNCED_TEXT_LENGTH)}…` : m.text;
    return `${m.displayName || 'Someone'}: ${text}`;
  });
}

/** Others whose hand went up between `previous` and `next` (in the order they raised it). */
export function newlyRaisedHands(previous: Member[], next: Member[], selfId: string | null): Member[] {
  const before = new Map(previous.map((m) => [m.id, m]));
  return raisedHands(next).filter((m) => {
    const old = before.get(m.id);
    return m.id !== selfId && old !== undefined && old.handRaisedAt === null;
  });
}

/** Hands that went up or down between two lists of members, as sentences (never about ourselves). */
export function handChanges(previous: Member[], next: Member[], selfId: string | null): string[] {
  const after = new Map(next.map((m) => [m.id, m]));
  const changes = newlyRaisedHands(previous, next, selfId).map((m) => `${m.displayName} raised their hand`);
  for (const old of previous) {
    const now = after.get(old.id);
    if (old.id !== selfId && old.handRaisedAt !== null && now !== undefined && now.handRaisedAt === null) {
      changes.push(`${old.displayName} lowered their hand`);
    }
  }
  return changes;
}

function handTime(member: Member): number {
  const time = member.handRaisedAt === null ? Number.NaN : Date.parse(member.handRaisedAt);
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/** Members with a raised hand, in the order they raised it (first raised first). */
export function raisedHands(members: Member[]): Member[] {
  return members
    .map((member, index) => ({ member, index }))
    .filter(({ member }) => member.handRaisedAt !== null)
    .sort((a, b) => handTime(a.member) - handTime(b.member) || a.index - b.index)
    .map(({ member }) => member);
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

/**
 * People as the list shows them: raised hands first, in the order they were raised; then
 * the signed-in person; then the others in order of joining.
 */
export function orderedMembers(members: Member[], selfId: string | null): Member[] {
  const hands = raisedHands(members);
  const rest = members.filter((m) => m.handRaisedAt === null);
  const self = rest.filter((m) => m.id === selfId);
  return [...hands, ...self, ...rest.filter((m) => m.id !== selfId)];
}
