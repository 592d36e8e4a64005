/** Shapes of the REST API (see docs/protocol.md and /api in the server). */

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface RoomSummary {
  id: string;
  /** Display form, `xxxx-xxxx-xxxx`. */
  code: string;
  createdAt: string;
}

export interface RoomInfo extends RoomSummary {
  createdBy: string;
}

export interface MemberSummary {
  id: string;
  displayName: string;
}

/** What `POST /api/rooms` and `POST /api/rooms/:code/join` return. */
export interface RoomSession {
  room: RoomSummary;
  member: MemberSummary;
  token: string;
  expiresAt: string;
  iceServers: IceServer[];
}

export interface Member {
  id: string;
  displayName: string;
  joinedAt: string;
  online: boolean;
}

export interface CallParticipant {
  memberId: string;
  joinedAt: string;
}

/** The room's active call (protocol.md: at most one per room). */
export interface CallInfo {
  id: string;
  startedBy: string;
  startedAt: string;
  /** In order of joining; the starter is the first. */
  participants: CallParticipant[];
}

/** `GET /api/rooms/:code/state` and the WebSocket `room:state`. */
export interface RoomSnapshot {
  room: RoomInfo;
  self: string;
  members: Member[];
  /** The active call, or null when none runs. */
  call: CallInfo | null;
  files: unknown[];
  iceServers: IceServer[];
}

/** Error codes of protocol.md, plus two the client makes up for failures without a reply. */
export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_display_name'
  | 'room_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal'
  /** No answer at all: network down, server stopped, timeout. */
  | 'unreachable'
  /** An answer that does not fit the protocol. */
  | 'bad_response';
