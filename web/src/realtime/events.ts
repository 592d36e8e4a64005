/**
 * The WebSocket half of protocol.md as types, and the one place where frames from the server
 * are checked. Past `parseServerEvent` the client works with typed events; a frame that does
 * not fit is dropped here instead of surfacing as `undefined` in a component.
 */
import { handRaisedAt, parseCall, parseFile, parseMessage, parseRoomInfo, sequenceNumber } from '../api/parse';
import type { CallInfo, CallParticipant, ChatMessage, FileInfo, Member, RoomInfo } from '../api/types';

export { parseCall, parseFile };
export type { CallInfo, CallParticipant, ChatMessage, FileInfo };

/** `{type, data, rid?}`: every frame, both ways. */
export interface Envelope {
  type: string;
  data: unknown;
  rid?: string;
  /** Room-wide events: their number in the room's one order (protocol.md). */
  seq?: number;
}

/** What an `error` event carries; `rid` echoes the frame that caused it. */
export interface ErrorData {
  code: string;
  message: string;
  rid?: string;
}

/** Client → server. */
export interface ClientEventMap {
  'room:join': { token: string };
  'room:leave': Record<string, never>;
  'call:start': Record<string, never>;
  'call:join': { callId: string };
  'call:leave': { callId: string };
  'call:end': { callId: string };
  'signal:offer': { to: string; callId: string; sdp: string };
  'signal:answer': { to: string; callId: string; sdp: string };
  'signal:ice': { to: string; callId: string; candidate: RTCIceCandidateInit | null };
  /** How one link of our call went: time to first media, its path, ICE failures. No reply. */
  'call:report': {
    callId: string;
    peerId: string;
    firstMediaMs?: number;
    path: 'direct' | 'relay';
    iceFailure?: string;
  };
  /** 1 to 4,000 characters after trimming; answered by `chat:message` echoing the rid. */
  'chat:send': { text: string };
  /** The room's creator only; answered by `room:updated`. */
  'room:lock': { locked: boolean };
  /** The room's creator only, not themselves; answered by `member:left` (reason `removed`). */
  'member:remove': { memberId: string };
  'hand:raise': Record<string, never>;
  /** Without `memberId`, our own hand; another's only for the room's creator. */
  'hand:lower': { memberId?: string };
}

/** Server → client, except `room:state`, which the client delivers as a resync. */
export interface ServerEventMap {
  'member:joined': { member: Member };
  'member:left': { memberId: string; reason: string };
  'call:started': { call: CallInfo };
  'call:participant-joined': { callId: string; memberId: string };
  'call:participant-left': { callId: string; memberId: string; reason: string };
  'call:ended': { callId: string; reason: string; endedBy?: string };
  'signal:offer': { from: string; callId: string; sdp: string };
  'signal:answer': { from: string; callId: string; sdp: string };
  'signal:ice': { from: string; callId: string; candidate: RTCIceCandidateInit | null };
  'file:added': { file: FileInfo };
  'chat:message': { message: ChatMessage };
  /** The room's description changed (it was locked or unlocked). */
  'room:updated': { room: RoomInfo };
  /** A member changed (their hand went up or down): the member as in the snapshot. */
  'member:updated': { member: Member };
  error: ErrorData;
}

export type ClientEventType = keyof ClientEventMap;
export type ServerEventType = keyof ServerEventMap;

/** A checked server event: `{type, data}` with `data` typed by `type`. */
export type ServerEvent = { [K in ServerEventType]: { type: K; data: ServerEventMap[K] } }[ServerEventType];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasStrings(value: Json, keys: readonly string[]): boolean {
  return keys.every((key) => typeof value[key] === 'string');
}

/** Reads one text frame. Null when it is not JSON or not an envelope. */
export function parseEnvelope(text: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.type !== 'string') return null;
  const envelope: Envelope = { type: value.type, data: value.data ?? {} };
  if (typeof value.rid === 'string') envelope.rid = value.rid;
  const seq = sequenceNumber(value.seq);
  if (seq !== null) envelope.seq = seq;
  return envelope;
}

function parseMember(value: unknown): Member | null {
  if (!isObject(value) || !hasStrings(value, ['id', 'displayName'])) return null;
  return {
    id: value.id as string,
    displayName: value.displayName as string,
    joinedAt: typeof value.joinedAt === 'string' ? value.joinedAt : '',
    online: value.online !== false,
    handRaisedAt: handRaisedAt(value.handRaisedAt),
  };
}

/**
 * Checks a server event's data against its type. Null for an unknown type (a newer server;
 * ignored) or data that does not fit (dropped). `room:state` is not handled here.
 */
export function parseServerEvent(envelope: Envelope): ServerEvent | null {
  const data = envelope.data;
  if (!isObject(data)) return null;
  switch (envelope.type) {
    case 'member:joined': {
      const member = parseMember(data.member);
      return member && { type: 'member:joined', data: { member } };
    }
    case 'member:left':
      if (!hasStrings(data, ['memberId'])) return null;
      return { type: 'member:left', data: { memberId: data.memberId as string, reason: String(data.reason ?? '') } };
    case 'call:started': {
      const call = parseCall(data.call);
      return call && { type: 'call:started', data: { call } };
    }
    case 'call:participant-joined':
      if (!hasStrings(data, ['callId', 'memberId'])) return null;
      return {
        type: 'call:participant-joined',
        data: { callId: data.callId as string, memberId: data.memberId as string },
      };
    case 'call:participant-left':
      if (!hasStrings(data, ['callId', 'memberId'])) return null;
      return {
        type: 'call:participant-left',
        data: { callId: data.callId as string, memberId: data.memberId as string, reason: String(data.reason ?? '') },
      };
    case 'call:ended': {
      if (!hasStrings(data, ['callId'])) return null;
      const ended: ServerEventMap['call:ended'] = { callId: data.callId as string, reason: String(data.reason ?? '') };
      if (typeof data.endedBy === 'string') ended.endedBy = data.endedBy;
      return { type: 'call:ended', data: ended };
    }
    case 'signal:offer':
    case 'signal:answer':
      if (!hasStrings(data, ['from', 'callId', 'sdp'])) return null;
      return {
        type: envelope.type,
        data: { from: data.from as string, callId: data.callId as string, sdp: data.sdp as string },
      };
    case 'signal:ice': {
      if (!hasStrings(data, ['from', 'callId'])) return null;
      const candidate = data.candidate ?? null;
      if (candidate !== null && !isObject(candidate)) return null;
      return {
        type: 'signal:ice',
        data: {
          from: data.from as string,
          callId: data.callId as string,
          candidate: candidate as RTCIceCandidateInit | null,
        },
      };
    }
    case 'file:added': {
      const file = parseFile(data.file);
      return file && { type: 'file:added', data: { file } };
    }
    case 'chat:message': {
      const message = parseMessage(data.message);
      return message && { type: 'chat:message', data: { message } };
    }
    case 'room:updated': {
      const room = parseRoomInfo(data.room);
      return room && { type: 'room:updated', data: { room } };
    }
    case 'member:updated': {
      const member = parseMember(data.member);
      return member && { type: 'member:updated', data: { member } };
    }
    case 'error': {
      const error: ErrorData = {
        code: typeof data.code === 'string' ? data.code : 'internal',
        message: typeof data.message === 'string' ? data.message : '',
      };
      // protocol.md puts the echo inside data; accept it on the envelope too.
      const rid = typeof data.rid === 'string' ? data.rid : envelope.rid;
      if (rid !== undefined) error.rid = rid;
      return { type: 'error', data: error };
    }
    default:
      return null;
  }
}
