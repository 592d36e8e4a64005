/** The room page's arrival: removed stays removed, a landing-page name joins at once, a locked room says so. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import type { RoomSession } from '../api/types';

vi.mock('../api/rooms', () => ({
  createRoom: vi.fn(),
  joinRoom: vi.fn(),
  fetchRoomState: vi.fn(),
  leaveRoom: vi.fn(),
  fetchIceServers: vi.fn(),
}));

vi.mock('../lib/storage', async (importOriginal) => {
  const original = await importOriginal<typeof import('../lib/storage')>();
  const items = new Map<string, string>();
  const storage = {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key: string) => items.get(key) ?? null,
    key: (index: number) => [...items.keys()][index] ?? null,
    removeItem: (key: string) => void items.delete(key),
    setItem: (key: string, value: string) => void items.set(key, value),
  } satisfies Storage;
  return { ...original, memory: original.createBrowserMemory(storage), testStorage: storage };
});

const rooms = await import('../api/rooms');
const storage = await import('../lib/storage');
const { joinFromLanding, openRoom, planArrival } = await import('./roomSession');
const { roomStore } = await import('./roomStore');

const CODE = 'abcdefghjkmn';
const joinRoom = vi.mocked(rooms.joinRoom);
const fetchRoomState = vi.mocked(rooms.fetchRoomState);

/** Resolves once the store's phase is `kind` (the flows are async; no sleeps). */
function phaseBecomes(kind: string): Promise<void> {
  return new Promise((resolve) => {
    if (roomStore.getState().phase.kind === kind) return resolve();
    const stop = roomStore.subscribe((state) => {
      if (state.phase.kind === kind) {
        stop();
        resolve();
      }
    });
  });
}

let close: (() => void) | null = null;

beforeEach(() => {
  (storage as unknown as { testStorage: Storage }).testStorage.clear();
  joinRoom.mockReset();
  fetchRoomState.mockReset();
});

afterEach(() => {
  close?.();
  close = null;
});

const session = { room: { code: 'abcd-efgh-jkmn' } } as RoomSession;

describe('planArrival', () => {
  it('a removal wins over everything; then a handoff, a stored token, a landing-page name, else the probe', () => {
    expect(planArrival({ removed: true, handoff: session, token: 't', pendingName: 'Ada' })).toEqual({ kind: 'removed' });
    expect(planArrival({ removed: false, handoff: session, token: 't', pendingName: 'Ada' })).toEqual({ kind: 'enter', session });
    expect(planArrival({ removed: false, handoff: null, token: 't', pendingName: 'Ada' })).toEqual({ kind: 'rejoin', token: 't' });
    expect(planArrival({ removed: false, handoff: null, token: null, pendingName: 'Ada' })).toEqual({ kind: 'join', name: 'Ada' });
    expect(planArrival({ removed: false, handoff: null, token: null, pendingName: null })).toEqual({ kind: 'probe' });
  });
});

describe('opening a room', () => {
  it('removed from it before: shows that, and asks the server nothing (a reload does not rejoin)', () => {
    storage.memory.rememberToken(CODE, 'old-token');
    storage.memory.rememberRemoved(CODE);
    close = openRoom(CODE);
    expect(roomStore.getState().phase).toEqual({ kind: 'removed' });
    expect(joinRoom).not.toHaveBeenCalled();
    expect(fetchRoomState).not.toHaveBeenCalled();
  });

  it('a rejoin answered token_revoked shows "removed" and remembers it for the next visit', async () => {
    storage.memory.rememberToken(CODE, 'old-token');
    joinRoom.mockRejectedValue(new ApiError('token_revoked', 'You were removed from this room', 401));
    close = openRoom(CODE);
    await phaseBecomes('removed');
    expect(joinRoom).toHaveBeenCalledWith(CODE, { token: 'old-token' }, expect.anything());
    expect(storage.memory.removed(CODE)).toBe(true);
    expect(storage.memory.token(CODE)).toBeNull();
    close();
    joinRoom.mockClear();
    close = openRoom(CODE);
    expect(roomStore.getState().phase.kind).toBe('removed');
    expect(joinRoom).not.toHaveBeenCalled();
  });

  it('"Join room" on the landing page with a name joins at once, without the join card', async () => {
    joinRoom.mockRejectedValue(new ApiError('room_locked', 'This room is locked', 423));
    joinFromLanding('ABCD-EFGH-JKMN', 'Ada');
    close = openRoom(CODE);
    // No join card asking for the name again: "Opening room…" while the join is under way.
    expect(roomStore.getState().phase.kind).toBe('checking');
    expect(joinRoom).toHaveBeenCalledWith(CODE, { displayName: 'Ada' }, expect.anything());
    expect(fetchRoomState).not.toHaveBeenCalled();
    // …and a locked room says so instead of letting them in.
    await phaseBecomes('locked');
  });

  it('the landing page\'s name is used once: the next visit asks', async () => {
    joinRoom.mockRejectedValue(new ApiError('room_locked', 'This room is locked', 423));
    fetchRoomState.mockRejectedValue(new ApiError('unauthorized', 'no token', 401));
    joinFromLanding(CODE, 'Ada');
    close = openRoom(CODE);
    await phaseBecomes('locked');
    close();
    close = openRoom(CODE);
    await phaseBecomes('join');
    expect(joinRoom).toHaveBeenCalledTimes(1);
  });

  it('a one-click join that fails for another reason falls back to the join card with the reason', async () => {
    joinRoom.mockRejectedValue(new ApiError('rate_limited', 'slow down', 429, 30));
    joinFromLanding(CODE, 'Ada');
    close = openRoom(CODE);
    await phaseBecomes('join');
    expect(roomStore.getState().joinError).toBe('Too many attempts — try again in 30 seconds.');
  });
});
