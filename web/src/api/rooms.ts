/** REST calls for rooms and membership (protocol.md, "REST"). */
import { request } from './http';
import { getWithRetry } from './retry';
import { parseIceGrant, parseRoomSession, parseRoomSnapshot } from './parse';
import type { IceGrant, RoomSession, RoomSnapshot } from './types';
import { formatRoomCode } from '../lib/roomCode';

function roomUrl(code: string, action: string): string {
  return `/api/rooms/${encodeURIComponent(formatRoomCode(code))}/${action}`;
}

export async function createRoom(displayName: string, signal?: AbortSignal): Promise<RoomSession> {
  return parseRoomSession(await request('POST', '/api/rooms', { body: { displayName }, signal }));
}

/**
 * Joins a room. With a token the server brings back the same member (a rejoin after a
 * reload) and the name may be left out; without one, a new member is created.
 */
export async function joinRoom(
  code: string,
  join: { displayName?: string; token?: string | null },
  signal?: AbortSignal,
): Promise<RoomSession> {
  const body = join.displayName === undefined ? {} : { displayName: join.displayName };
  return parseRoomSession(await request('POST', roomUrl(code, 'join'), { body, token: join.token, signal }));
}

/**
 * The room snapshot. Without a token it only tells whether the room exists (404 or 401).
 * Retried on network errors and 503 (retry.ts), like every read below.
 */
export async function fetchRoomState(code: string, token: string | null, signal?: AbortSignal): Promise<RoomSnapshot> {
  return parseRoomSnapshot(await getWithRetry(roomUrl(code, 'state'), { token, signal }));
}

/** Leaves the room for good; the token stops working. */
export async function leaveRoom(code: string, token: string, signal?: AbortSignal): Promise<void> {
  await request('POST', roomUrl(code, 'leave'), { token, signal });
}

/** Fresh STUN/TURN servers with short-lived TURN credentials for this member. */
export async function fetchIceServers(code: string, token: string, signal?: AbortSignal): Promise<IceGrant> {
  return parseIceGrant(await getWithRetry(roomUrl(code, 'ice-servers'), { token, signal }));
}
