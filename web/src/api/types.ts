/** Shapes of the REST API (see docs/protocol.md and /api in the server). */

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** How browsers reach each other: the servers and the policy (`relay`: TURN only). */
export interface IceSettings {
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
}

/** `GET /api/rooms/:code/ice-servers`: fresh TURN credentials, valid for `ttlSeconds`. */
export interface IceGrant extends IceSettings {
  ttlSeconds: number;
}

export interface RoomSummary {
  id: string;
  /** Display form, `xxxx-xxxx-xxxx`. */
  code: string;
  createdAt: string;
}

export interface RoomInfo extends RoomSummary {
  createdBy: string;
  /** While locked, only people who already have a place in the room get in (false from older servers). */
  locked: boolean;
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
  iceTransportPolicy: RTCIceTransportPolicy;
}

export interface Member {
  id: string;
  displayName: string;
  joinedAt: string;
  online: boolean;
  /** When the member raised their hand (RFC 3339), null while it is down. */
  handRaisedAt: string | null;
}

/** A chat message (protocol.md "Chat"); `displayName` is the author's name when it was read. */
export interface ChatMessage {
  id: string;
  memberId: string;
  displayName: string;
  text: string;
  createdAt: string;
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
  /** The room's shared files, oldest first. */
  files: FileInfo[];
  /** The room's latest chat messages (up to 100), oldest first; [] from older servers. */
  messages: ChatMessage[];
  /** Extensions and MIME types `prepare` refuses, lowercased; [] when none (or an older server). */
  blockedFileTypes: string[];
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** How many people one call holds on this server. */
  callCapacity: number;
  /** The number of the room's last event this snapshot reflects (protocol.md); null from a server without numbers. */
  seq: number | null;
}

/** A file shared in the room (protocol.md "File"). */
export interface FileInfo {
  id: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the whole file. */
  sha256: string;
  uploader: MemberSummary;
  createdAt: string;
}

/** What `files/prepare` hands back: where the browser sends the bytes, and how. */
export interface UploadTarget {
  method: string;
  /** Absolute; the page's origin for the local store, another one for S3. */
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export interface PreparedUpload {
  fileId: string;
  upload: UploadTarget;
}

/** A signed URL the browser GETs for the file's bytes (served as an attachment). */
export interface DownloadLink {
  url: string;
  expiresAt: string;
}

/** Error codes of protocol.md, plus those the client makes up for failures without a reply. */
export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_display_name'
  | 'room_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large'
  | 'file_not_found'
  | 'upload_incomplete'
  | 'checksum_mismatch'
  /** The room's file or byte quota, or the server's free-disk floor (413); the message names it. */
  | 'quota_exceeded'
  /** The server's disk filled up while the bytes arrived (507); nothing was kept. */
  | 'storage_full'
  /** Another PUT to the same upload link is still arriving (409). */
  | 'upload_in_progress'
  /** The room's `--blocked-file-types` refuse this file (415); the message names the type. */
  | 'file_type_not_allowed'
  | 'unavailable'
  | 'internal'
  /** A locked room refused a join without a token of its own (423). */
  | 'room_locked'
  /** The member was removed from the room; the token works no more (401). */
  | 'token_revoked'
  /** No answer at all: network down, server stopped, timeout. */
  | 'unreachable'
  /** An answer that does not fit the protocol. */
  | 'bad_response'
  /** The store refused a signed upload URL (403): it expired or does not fit the request. */
  | 'upload_expired';
