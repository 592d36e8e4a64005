/**
 * Checks that answers from the server have the protocol's shape before anything else uses
 * them, so the rest of the client works with typed values and a server bug shows up as one
 * clear error instead of `undefined` somewhere in a component.
 */
import { ApiError } from './http';
import type {
  CallInfo,
  ChatMessage,
  CallParticipant,
  DownloadLink,
  FileInfo,
  IceGrant,
  IceServer,
  Member,
  PreparedUpload,
  RoomInfo,
  RoomSession,
  RoomSnapshot,
  RoomSummary,
} from './types';

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new ApiError('bad_response', `Unexpected answer from the server: ${what}`);
}

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Json;
}

function string(parent: Json, key: string, what: string): string {
  const value = parent[key];
  if (typeof value !== 'string') fail(`${what}.${key} is not a string`);
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is not an array`);
  return value;
}

/** STUN/TURN entries the browser can take: `urls` a string or strings, credentials strings. */
function iceServers(value: unknown): IceServer[] {
  if (!Array.isArray(value)) return [];
  const servers: IceServer[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { urls, username, credential } = entry as Json;
    const list = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls.filter((u) => typeof u === 'string') : [];
    if (list.length === 0) continue;
    const server: IceServer = { urls: list as string[] };
    if (typeof username === 'string') server.username = username;
    if (typeof credential === 'string') server.credential = credential;
    servers.push(server);
  }
  return servers;
}

function iceTransportPolicy(value: unknown): RTCIceTransportPolicy {
  return value === 'relay' ? 'relay' : 'all';
}

/** The server's call capacity; the protocol's default when an older server does not say. */
export const DEFAULT_CALL_CAPACITY = 6;

function callCapacity(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : DEFAULT_CALL_CAPACITY;
}

export function parseIceGrant(value: unknown): IceGrant {
  const body = object(value, 'body');
  const ttl = body.ttl;
  return {
    iceServers: iceServers(body.iceServers),
    iceTransportPolicy: iceTransportPolicy(body.iceTransportPolicy),
    ttlSeconds: typeof ttl === 'number' && ttl > 0 ? ttl : fail('ttl is not a positive number'),
  };
}

function roomSummary(value: unknown): RoomSummary {
  const room = object(value, 'room');
  return {
    id: string(room, 'id', 'room'),
    code: string(room, 'code', 'room'),
    createdAt: string(room, 'createdAt', 'room'),
  };
}

export function parseRoomSession(value: unknown): RoomSession {
  const body = object(value, 'body');
  const member = object(body.member, 'member');
  return {
    room: roomSummary(body.room),
    member: { id: string(member, 'id', 'member'), displayName: string(member, 'displayName', 'member') },
    token: string(body, 'token', 'body'),
    expiresAt: typeof body.expiresAt === 'string' ? body.expiresAt : '',
    iceServers: iceServers(body.iceServers),
    iceTransportPolicy: iceTransportPolicy(body.iceTransportPolicy),
  };
}

/** A member's raised hand: its time, or null when down (or from a server without hands). */
export function handRaisedAt(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function member(value: unknown): Member {
  const m = object(value, 'member');
  return {
    id: string(m, 'id', 'member'),
    displayName: string(m, 'displayName', 'member'),
    joinedAt: typeof m.joinedAt === 'string' ? m.joinedAt : '',
    online: m.online === true,
    handRaisedAt: handRaisedAt(m.handRaisedAt),
  };
}

/**
 * The snapshot's `room` (also `room:updated`'s). Null when it has no id or code; `locked`
 * is false from a server that has no locks.
 */
export function parseRoomInfo(value: unknown): RoomInfo | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const room = value as Json;
  if (typeof room.id !== 'string' || typeof room.code !== 'string') return null;
  return {
    id: room.id,
    code: room.code,
    createdAt: typeof room.createdAt === 'string' ? room.createdAt : '',
    createdBy: typeof room.createdBy === 'string' ? room.createdBy : '',
    locked: room.locked === true,
  };
}

/** A chat message (snapshot, `chat:message`, the messages page). Null without id, author or text. */
export function parseMessage(value: unknown): ChatMessage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const message = value as Json;
  if (typeof message.id !== 'string' || typeof message.memberId !== 'string' || typeof message.text !== 'string') {
    return null;
  }
  return {
    id: message.id,
    memberId: message.memberId,
    displayName: typeof message.displayName === 'string' ? message.displayName : '',
    text: message.text,
    createdAt: typeof message.createdAt === 'string' ? message.createdAt : '',
  };
}

/** A list of messages; entries that do not fit are left out. Absent (an older server): none. */
export function messageList(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  return value.map(parseMessage).filter((message): message is ChatMessage => message !== null);
}

/** `GET /api/rooms/:code/messages`. */
export function parseMessageListBody(value: unknown): ChatMessage[] {
  const body = object(value, 'body');
  return messageList(array(body.messages, 'messages'));
}

/**
 * A call as the server describes it (`room:state`, `call:started`). Null when it does not
 * fit: no id, or a participant without a member id.
 */
export function parseCall(value: unknown): CallInfo | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const call = value as Json;
  if (typeof call.id !== 'string') return null;
  const participants: CallParticipant[] = [];
  if (Array.isArray(call.participants)) {
    for (const p of call.participants as unknown[]) {
      if (typeof p !== 'object' || p === null || typeof (p as Json).memberId !== 'string') return null;
      const joinedAt = (p as Json).joinedAt;
      participants.push({ memberId: (p as Json).memberId as string, joinedAt: typeof joinedAt === 'string' ? joinedAt : '' });
    }
  }
  return {
    id: call.id,
    startedBy: typeof call.startedBy === 'string' ? call.startedBy : '',
    startedAt: typeof call.startedAt === 'string' ? call.startedAt : '',
    participants,
  };
}

function snapshotCall(value: unknown): CallInfo | null {
  if (value === null || value === undefined) return null;
  return parseCall(value) ?? fail('call does not have the protocol\'s shape');
}

export function parseRoomSnapshot(value: unknown): RoomSnapshot {
  const body = object(value, 'body');
  const room = object(body.room, 'room');
  const info: RoomInfo = {
    ...roomSummary(room),
    createdBy: typeof room.createdBy === 'string' ? room.createdBy : '',
    locked: room.locked === true,
  };
  return {
    room: info,
    self: string(body, 'self', 'body'),
    members: array(body.members, 'members').map(member),
    call: snapshotCall(body.call),
    files: fileList(body.files),
    messages: messageList(body.messages),
    iceServers: iceServers(body.iceServers),
    iceTransportPolicy: iceTransportPolicy(body.iceTransportPolicy),
    callCapacity: callCapacity(body.callCapacity),
    seq: sequenceNumber(body.seq),
    blockedFileTypes: blockedFileTypes(body.blockedFileTypes),
  };
}

/** The snapshot's file type policy: its strings, lowercased; none from an older server. */
function blockedFileTypes(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '').map((entry) => entry.trim().toLowerCase());
}

/** A room event's number: a non-negative integer, else null (not numbered). */
export function sequenceNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * A shared file (snapshot, `file:added`, `files/complete`). Null without an id or a name;
 * other fields the history can do without get harmless defaults.
 */
export function parseFile(value: unknown): FileInfo | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const file = value as Json;
  if (typeof file.id !== 'string' || typeof file.filename !== 'string') return null;
  const uploader = typeof file.uploader === 'object' && file.uploader !== null ? (file.uploader as Json) : {};
  return {
    id: file.id,
    filename: file.filename,
    mimeType: typeof file.mimeType === 'string' && file.mimeType !== '' ? file.mimeType : 'application/octet-stream',
    sizeBytes: typeof file.sizeBytes === 'number' && file.sizeBytes >= 0 ? file.sizeBytes : 0,
    sha256: typeof file.sha256 === 'string' ? file.sha256 : '',
    uploader: {
      id: typeof uploader.id === 'string' ? uploader.id : '',
      displayName: typeof uploader.displayName === 'string' ? uploader.displayName : '',
    },
    createdAt: typeof file.createdAt === 'string' ? file.createdAt : '',
  };
}

/** A list of files; entries that do not fit are left out rather than failing the whole list. */
export function fileList(value: unknown): FileInfo[] {
  if (!Array.isArray(value)) return [];
  return value.map(parseFile).filter((file): file is FileInfo => file !== null);
}

/** `GET /api/rooms/:code/files`. */
export function parseFileListBody(value: unknown): FileInfo[] {
  const body = object(value, 'body');
  return fileList(array(body.files, 'files'));
}

/** `POST /api/rooms/:code/files/complete`. */
export function parseCompletedFile(value: unknown): FileInfo {
  return parseFile(object(value, 'body').file) ?? fail('file does not have the protocol\'s shape');
}

/** `POST /api/rooms/:code/files/prepare`. */
export function parsePreparedUpload(value: unknown): PreparedUpload {
  const body = object(value, 'body');
  const upload = object(body.upload, 'upload');
  const headers: Record<string, string> = {};
  if (typeof upload.headers === 'object' && upload.headers !== null && !Array.isArray(upload.headers)) {
    for (const [name, headerValue] of Object.entries(upload.headers as Json)) {
      if (typeof headerValue === 'string') headers[name] = headerValue;
    }
  }
  return {
    fileId: string(body, 'fileId', 'body'),
    upload: {
      method: typeof upload.method === 'string' ? upload.method : 'PUT',
      url: string(upload, 'url', 'upload'),
      headers,
      expiresAt: typeof upload.expiresAt === 'string' ? upload.expiresAt : '',
    },
  };
}

/** `GET /api/files/:fileId/download`. */
export function parseDownloadLink(value: unknown): DownloadLink {
  const body = object(value, 'body');
  return { url: string(body, 'url', 'body'), expiresAt: typeof body.expiresAt === 'string' ? body.expiresAt : '' };
}
