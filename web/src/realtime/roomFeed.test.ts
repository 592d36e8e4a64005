import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import type { RoomSnapshot } from '../api/types';
import { startRoomFeed, type Visibility } from './roomFeed';

const snap: RoomSnapshot = {
  room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '', createdBy: 'a' },
  self: 'a',
  members: [],
  call: null,
  files: [],
  iceServers: [],
};

function fakeVisibility(initial = true) {
  let visible = initial;
  const listeners = new Set<() => void>();
  const visibility: Visibility = {
    isVisible: () => visible,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    visibility,
    set(next: boolean) {
      visible = next;
      for (const l of listeners) l();
    },
    listenerCount: () => listeners.size,
  };
}

function handlers() {
  return { snapshot: vi.fn(), connection: vi.fn(), ended: vi.fn() };
}

describe('startRoomFeed (polling)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls at once and then every interval', async () => {
    const fetchState = vi.fn().mockResolvedValue(snap);
    const h = handlers();
    const feed = startRoomFeed('abcdefghjkmn', 'tok', h, { fetchState, visibility: fakeVisibility().visibility });
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchState).toHaveBeenCalledTimes(1);
    expect(fetchState.mock.calls[0]?.slice(0, 2)).toEqual(['abcdefghjkmn', 'tok']);
    expect(h.snapshot).toHaveBeenCalledWith(snap);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetchState).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetchState).toHaveBeenCalledTimes(3);
    feed.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchState).toHaveBeenCalledTimes(3);
  });

  it('pauses while the page is hidden and polls as soon as it shows again', async () => {
    const fetchState = vi.fn().mockResolvedValue(snap);
    const page = fakeVisibility();
    const feed = startRoomFeed('c', 't', handlers(), { fetchState, visibility: page.visibility });
    await vi.advanceTimersByTimeAsync(0);
    page.set(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchState).toHaveBeenCalledTimes(1);
    page.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchState).toHaveBeenCalledTimes(2);
    feed.stop();
    expect(page.listenerCount()).toBe(0);
  });

  it('reports a lost connection, keeps trying, and reports recovery', async () => {
    const fetchState = vi
      .fn()
      .mockRejectedValueOnce(new ApiError('unreachable', 'down'))
      .mockResolvedValue(snap);
    const h = handlers();
    const feed = startRoomFeed('c', 't', h, { fetchState, visibility: fakeVisibility().visibility });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.connection).toHaveBeenLastCalledWith('reconnecting');
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.connection).toHaveBeenLastCalledWith('connected');
    expect(h.snapshot).toHaveBeenCalledTimes(1);
    feed.stop();
  });

  it('stops for good when the token is refused or the room is gone', async () => {
    for (const code of ['unauthorized', 'forbidden', 'room_not_found'] as const) {
      const fetchState = vi.fn().mockRejectedValue(new ApiError(code, code));
      const h = handlers();
      startRoomFeed('c', 't', h, { fetchState, visibility: fakeVisibility().visibility });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(fetchState).toHaveBeenCalledTimes(1);
      expect(h.ended).toHaveBeenCalledTimes(1);
      expect((h.ended.mock.calls[0]?.[0] as ApiError).code).toBe(code);
    }
  });

  it('never runs two requests at once', async () => {
    let resolve: (s: RoomSnapshot) => void = () => {};
    const fetchState = vi.fn().mockImplementation(() => new Promise<RoomSnapshot>((r) => (resolve = r)));
    const feed = startRoomFeed('c', 't', handlers(), { fetchState, visibility: fakeVisibility().visibility });
    await vi.advanceTimersByTimeAsync(0);
    feed.refresh();
    feed.refresh();
    expect(fetchState).toHaveBeenCalledTimes(1);
    resolve(snap);
    await vi.advanceTimersByTimeAsync(0);
    feed.stop();
  });
});
