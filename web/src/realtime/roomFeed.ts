/**
 * Keeps the room's state fresh. Until the realtime WebSocket client lands this polls
 * `GET /api/rooms/:code/state` every 3 s while the page is visible; each poll is also the
 * member's heartbeat for presence. The WebSocket client will implement the same
 * `startRoomFeed` contract (snapshot / connection / ended), so nothing above this module
 * needs to change when it replaces the polling.
 */
import { fetchRoomState } from '../api/rooms';
import { ApiError, isAbort } from '../api/http';
import type { RoomSnapshot } from '../api/types';

export const POLL_INTERVAL_MS = 3_000;

export type FeedConnection = 'connected' | 'reconnecting';

export interface RoomFeedHandlers {
  snapshot(snapshot: RoomSnapshot): void;
  connection(state: FeedConnection): void;
  /** The feed cannot go on (token refused, room gone) and has stopped. */
  ended(error: ApiError): void;
}

export interface RoomFeed {
  /** Ask for fresh state now (e.g. after an action of ours). */
  refresh(): void;
  stop(): void;
}

export interface Visibility {
  isVisible(): boolean;
  onChange(listener: () => void): () => void;
}

export interface RoomFeedOptions {
  intervalMs?: number;
  fetchState?: (code: string, token: string, signal: AbortSignal) => Promise<RoomSnapshot>;
  visibility?: Visibility;
}

const documentVisibility: Visibility = {
  isVisible: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
  onChange(listener) {
    document.addEventListener('visibilitychange', listener);
    return () => document.removeEventListener('visibilitychange', listener);
  },
};

/** Errors after which polling again cannot help. */
function isFinal(error: ApiError): boolean {
  return error.code === 'unauthorized' || error.code === 'forbidden' || error.code === 'room_not_found';
}

export function startRoomFeed(
  code: string,
  token: string,
  handlers: RoomFeedHandlers,
  options: RoomFeedOptions = {},
): RoomFeed {
  const intervalMs = options.intervalMs ?? POLL_INTERVAL_MS;
  const fetchState = options.fetchState ?? ((c, t, s) => fetchRoomState(c, t, s));
  const visibility = options.visibility ?? documentVisibility;

  let stopped = false;
  let inFlight: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let connection: FeedConnection = 'connected';

  function setConnection(next: FeedConnection): void {
    if (next === connection) return;
    connection = next;
    handlers.connection(next);
  }

  function schedule(delayMs: number): void {
    if (stopped || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      // A hidden page stops polling; becoming visible polls at once (see onChange below).
      if (visibility.isVisible()) void poll();
    }, delayMs);
  }

  async function poll(): Promise<void> {
    if (stopped || inFlight !== null) return;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const controller = new AbortController();
    inFlight = controller;
    let delay = intervalMs;
    try {
      const snapshot = await fetchState(code, token, controller.signal);
      if (stopped) return;
      setConnection('connected');
      handlers.snapshot(snapshot);
    } catch (error) {
      if (stopped || isAbort(error)) return;
      const apiError = error instanceof ApiError ? error : new ApiError('bad_response', String(error));
      if (isFinal(apiError)) {
        stop();
        handlers.ended(apiError);
        return;
      }
      setConnection('reconnecting');
      if (apiError.retryAfterSeconds !== null) delay = Math.max(delay, apiError.retryAfterSeconds * 1000);
    } finally {
      if (inFlight === controller) inFlight = null;
    }
    schedule(delay);
  }

  const unsubscribe = visibility.onChange(() => {
    if (visibility.isVisible()) void poll();
  });

  function stop(): void {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    if (timer !== null) clearTimeout(timer);
    timer = null;
    inFlight?.abort();
    inFlight = null;
  }

  void poll();
  return { refresh: () => void poll(), stop };
}
