import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import type { ChatMessage } from '../api/types';
import { RealtimeError } from '../realtime/socket';

const request = vi.fn();
const noticeRemoved = vi.fn();
vi.mock('./roomSession', () => ({
  currentRealtimeClient: () => ({ request }),
  currentRoomAccess: () => ({ code: 'abcdefghjkmn', token: 'tok' }),
  noticeRemoved: () => noticeRemoved(),
}));
vi.mock('../api/messages', () => ({ fetchMessages: vi.fn() }));

const { fetchMessages } = await import('../api/messages');
const { commandErrorText, loadOlderMessages, lowerHand, sendChat } = await import('./roomCommands');
const { initialRoomState, roomStore } = await import('./roomStore');

const say = (id: string): ChatMessage => ({ id, memberId: 'b', displayName: 'Bob', text: id, createdAt: 't' });

beforeEach(() => {
  request.mockReset();
  noticeRemoved.mockReset();
  vi.mocked(fetchMessages).mockReset();
  roomStore.setState({ ...initialRoomState, selfId: 'a', phase: { kind: 'in-room' } });
});

describe('sendChat', () => {
  it('sends the trimmed text and settles on the echo of its own rid', async () => {
    request.mockResolvedValue({ message: say('m1') });
    await expect(sendChat('  hello\r\n ')).resolves.toEqual(say('m1'));
    expect(request).toHaveBeenCalledWith('chat:send', { text: 'hello' }, { expect: 'chat:message', echoesRid: true });
  });

  it('sends nothing that is empty or over 4,000 characters, and says why', async () => {
    await expect(sendChat('   ')).rejects.toBeInstanceOf(RealtimeError);
    await expect(sendChat('x'.repeat(4001))).rejects.toThrow(/at most 4,000/);
    expect(request).not.toHaveBeenCalled();
  });
});

describe('hands', () => {
  it('lowers our own hand with {}, someone else\'s with their id', async () => {
    request.mockResolvedValue({});
    await lowerHand();
    expect(request.mock.calls[0]?.slice(0, 2)).toEqual(['hand:lower', {}]);
    await lowerHand('b');
    expect(request.mock.calls[1]?.slice(0, 2)).toEqual(['hand:lower', { memberId: 'b' }]);
  });
});

describe('loadOlderMessages', () => {
  it('asks for the page before the first message, puts it before, and stops at a short page', async () => {
    roomStore.setState({ messages: [say('m10'), say('m11')], chatHistory: { hasOlder: true, loading: false, error: null } });
    vi.mocked(fetchMessages).mockResolvedValue([say('m8'), say('m9')]);
    const loading = loadOlderMessages();
    expect(roomStore.getState().chatHistory.loading).toBe(true);
    await loadOlderMessages(); // already on its way: no second request
    await loading;
    expect(fetchMessages).toHaveBeenCalledTimes(1);
    expect(fetchMessages).toHaveBeenCalledWith('abcdefghjkmn', 'tok', { before: 'm10', limit: 50 });
    expect(roomStore.getState().messages.map((m) => m.id)).toEqual(['m8', 'm9', 'm10', 'm11']);
    expect(roomStore.getState().chatHistory).toEqual({ hasOlder: false, loading: false, error: null });
    await loadOlderMessages();
    expect(fetchMessages).toHaveBeenCalledTimes(1);
  });

  it('says in words when the page could not be loaded', async () => {
    roomStore.setState({ messages: [say('m10')], chatHistory: { hasOlder: true, loading: false, error: null } });
    vi.mocked(fetchMessages).mockRejectedValue(new ApiError('unreachable', 'x'));
    await loadOlderMessages();
    expect(roomStore.getState().chatHistory.error).toBe(
      "Couldn't load older messages. Can't reach the Parlor server. Check your connection, then try again.",
    );
    expect(roomStore.getState().chatHistory.hasOlder).toBe(true);
  });

  it('a removed member learns it from the answer', async () => {
    roomStore.setState({ messages: [say('m10')], chatHistory: { hasOlder: true, loading: false, error: null } });
    vi.mocked(fetchMessages).mockRejectedValue(new ApiError('token_revoked', 'You were removed from this room', 401));
    await loadOlderMessages();
    expect(noticeRemoved).toHaveBeenCalledTimes(1);
  });
});

describe('commandErrorText', () => {
  it('puts the server\'s refusals in words', () => {
    expect(commandErrorText(new RealtimeError('rate_limited', 'You are sending messages too fast'))).toBe(
      'You are sending messages too fast.',
    );
    expect(commandErrorText(new RealtimeError('quota_exceeded', "This room's chat is full"))).toBe("This room's chat is full.");
    expect(commandErrorText(new RealtimeError('forbidden', ''))).toBe("Only the room's creator can do that.");
    expect(commandErrorText(new RealtimeError('not_connected', 'x'))).toMatch(/^Not connected to the room right now/);
  });
});
