/** REST call for the room's chat history (protocol.md "Chat"); new messages come over the socket. */
import { request } from './http';
import { parseMessageListBody } from './parse';
import type { ChatMessage } from './types';
import { formatRoomCode } from '../lib/roomCode';

/** The server's largest page, and the snapshot's size. */
export const MESSAGE_PAGE_LIMIT = 100;

/**
 * Up to `limit` messages written just before message `before` (the latest without it),
 * oldest first. Fewer than `limit` means there are no older ones.
 */
export async function fetchMessages(
  code: string,
  token: string,
  page: { before?: string; limit?: number },
  signal?: AbortSignal,
): Promise<ChatMessage[]> {
  const query = new URLSearchParams();
  if (page.before !== undefined) query.set('before', page.before);
  if (page.limit !== undefined) query.set('limit', String(page.limit));
  const search = query.toString();
  const path = `/api/rooms/${encodeURIComponent(formatRoomCode(code))}/messages${search === '' ? '' : `?${search}`}`;
  return parseMessageListBody(await request('GET', path, { token, signal }));
}
