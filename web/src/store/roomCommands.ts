/**
 * What a person does in the room besides calls and files: chat, lock, remove, raise and
 * lower hands, and read older messages. Each sends its frame over the room's socket and
 * settles on the server's answer (the answering event updates the store on its own way in),
 * or rejects with a RealtimeError whose words `commandErrorText` gives.
 */
import { ApiError } from '../api/http';
import { fetchMessages } from '../api/messages';
import type { ChatMessage } from '../api/types';
import { checkChatText } from '../lib/chatText';
import { errorText, REMOVED_TEXT } from '../lib/errorText';
import { RealtimeError } from '../realtime/socket';
import { currentRealtimeClient, currentRoomAccess, noticeRemoved } from './roomSession';
import { applyChatOpen, applyOlderMessages, roomStore } from './roomStore';

/** How many older messages one scroll to the top asks for. */
export const OLDER_PAGE = 50;

function client() {
  const realtime = currentRealtimeClient();
  if (realtime === null) throw new RealtimeError('not_connected', 'Not in a room.');
  return realtime;
}

/** Sends a chat message (checked first: 1 to 4,000 characters). Resolves with it as stored. */
export async function sendChat(raw: string): Promise<ChatMessage> {
  const check = checkChatText(raw);
  if (!check.ok) throw new RealtimeError('bad_request', check.message);
  const answer = await client().request('chat:send', { text: check.text }, { expect: 'chat:message', echoesRid: true });
  return answer.message;
}

/** "Lock room" / "Unlock room" (the room's creator only). */
export async function lockRoom(locked: boolean): Promise<void> {
  await client().request('room:lock', { locked }, { expect: 'room:updated', match: (data) => data.room.locked === locked });
}

/** "Remove <name>" (the room's creator only, not themselves). */
export async function removeMember(memberId: string): Promise<void> {
  await client().request(
    'member:remove',
    { memberId },
    { expect: 'member:left', match: (data) => data.memberId === memberId && data.reason === 'removed' },
  );
}

export async function raiseHand(): Promise<void> {
  const selfId = roomStore.getState().selfId;
  await client().request(
    'hand:raise',
    {},
    { expect: 'member:updated', match: (data) => data.member.id === selfId && data.member.handRaisedAt !== null },
  );
}

/** Lowers our hand, or (the room's creator) someone else's. */
export async function lowerHand(memberId?: string): Promise<void> {
  const selfId = roomStore.getState().selfId;
  const target = memberId ?? selfId;
  const data = memberId === undefined || memberId === selfId ? {} : { memberId };
  await client().request('hand:lower', data, {
    expect: 'member:updated',
    match: (update) => update.member.id === target && update.member.handRaisedAt === null,
  });
}

/** The Chat tab was shown or hidden: what is on show counts as read. */
export function setChatOpen(open: boolean): void {
  roomStore.setState((state) => applyChatOpen(state, open));
}

/**
 * The page of messages before the first one we have (the chat scrolled to its top). Does
 * nothing while a page is on its way or when the start of the room is already shown.
 */
export async function loadOlderMessages(): Promise<void> {
  const { chatHistory, messages } = roomStore.getState();
  const access = currentRoomAccess();
  if (!chatHistory.hasOlder || chatHistory.loading || access === null) return;
  const before = messages[0]?.id;
  roomStore.setState({ chatHistory: { ...chatHistory, loading: true, error: null } });
  try {
    const page = await fetchMessages(access.code, access.token, { before, limit: OLDER_PAGE });
    roomStore.setState((state) =>
      // A resync meanwhile may have replaced the history; this page would not fit before it.
      state.messages[0]?.id === before ? applyOlderMessages(state, page, OLDER_PAGE) : { chatHistory: { ...state.chatHistory, loading: false } },
    );
  } catch (error) {
    if (error instanceof ApiError && error.code === 'token_revoked') {
      noticeRemoved();
      return;
    }
    roomStore.setState((state) => ({
      chatHistory: { ...state.chatHistory, loading: false, error: `Couldn't load older messages. ${errorText(error)}` },
    }));
  }
}

function sentence(message: string): string {
  const text = message.trim();
  if (text === '') return '';
  const capital = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** What went wrong with one of the commands above, in words. */
export function commandErrorText(error: unknown): string {
  if (!(error instanceof RealtimeError)) return 'Something went wrong in this page. Try again.';
  switch (error.code) {
    case 'rate_limited':
      return sentence(error.message) || 'Too many at once. Wait a moment, then try again.';
    case 'quota_exceeded':
      return sentence(error.message) || "This room's chat is full.";
    case 'forbidden':
      return sentence(error.message) || "Only the room's creator can do that.";
    case 'bad_request':
      return sentence(error.message) || 'The server did not accept that.';
    case 'payload_too_large':
      return 'That is larger than the server accepts.';
    case 'token_revoked':
      return REMOVED_TEXT;
    case 'not_connected':
    case 'closed':
      return 'Not connected to the room right now, so nothing was sent. Try again once the connection is back.';
    case 'disconnected':
      return 'The connection dropped before the server answered. Check whether it went through, then try again.';
    case 'timeout':
      return 'The server did not answer in time. Try again.';
    default:
      return sentence(error.message) || 'Something went wrong on the Parlor server. Try again in a moment.';
  }
}
