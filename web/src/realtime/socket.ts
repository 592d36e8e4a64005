/**
 * The realtime client: one WebSocket to `/ws` speaking protocol.md's envelopes.
 *
 * - Every (re)connection starts with `room:join {token}`; the `room:state` reply is delivered
 *   to subscribers as a resync: the whole room, to replace local state wholesale. The client is
 *   `open` only from that reply on, so nothing else is ever sent before `room:join`.
 * - A dropped socket is reopened with exponential backoff and full jitter (base 500 ms, cap
 *   15 s); the attempt count resets once a connection got its `room:state`. It is not reopened
 *   after `room:leave`, `close()`, or an `unauthorized`/`forbidden`/`room_not_found`/`token_revoked`
 *   answer to `room:join` (reported once through `fatal`, so the page can show the join card), nor
 *   after the server closed it with 1000 and the reason "removed" (reported as `token_revoked`:
 *   the room's creator removed us).
 * - A socket that is not open 10 s after it was made, or has no `room:state` 10 s after it
 *   opened (`joinTimeoutMs`), counts as failed: it is closed and retried like any drop.
 * - When the browser comes back online (`window`'s `online` event) while a retry is waiting,
 *   the retry starts at once instead of waiting out the backoff.
 * - Status machine (`ConnectionInfo.status`, reported to `status` subscribers on change):
 *
 *       connecting ─room:state─▶ open ─drop─▶ reconnecting ─room:state─▶ open
 *           │                                     │
 *           └─fail─▶ reconnecting                 └─3rd failure in a row─▶ unreachable
 *       unreachable ─room:state─▶ open            any ─close()/room:leave/fatal─▶ closed
 *
 *   A failure is a socket that closed, or had no `room:state` in time, before being joined.
 *   `unreachable` retries with the same backoff as `reconnecting`; it only tells the page that
 *   several attempts in a row failed (`unreachableAfterAttempts`, default 3, over at least
 *   `unreachableAfterMs`, default 10 s), so it can say
 *   "Couldn't open the room" (or, once in, that the server can't be reached) with a "Try
 *   again" that calls `reconnectNow()`. The page knows whether it was ever in (`open` once).
 * - Room-wide events carry `seq`, their number in the room's one order, and `room:state` the
 *   number it reflects. Events the state already reflects are dropped; one that comes early
 *   (a number skipped) waits up to `gapWaitMs` (default 1 s) for the ones before it, since two
 *   server threads or instances may publish in the other order than they committed. If they
 *   do not come, they were lost: the client sends `room:join` again on the same socket and
 *   resyncs from the fresh `room:state` (events until then are dropped: it reflects them).
 * - Frames are written only while open. `send` and `request` fail fast while disconnected:
 *   nothing is queued or replayed, because after a reconnect the resync says what is true and
 *   the caller re-establishes what it needs (e.g. `call:join`) from there.
 *
 * Framework-free; the WebSocket constructor, timers, clock and randomness are injectable.
 */
import { ApiError } from '../api/http';
import { parseRoomSnapshot } from '../api/parse';
import type { RoomSnapshot } from '../api/types';
import {
  parseEnvelope,
  parseServerEvent,
  type ClientEventMap,
  type ClientEventType,
  type Envelope,
  type ServerEvent,
  type ServerEventMap,
  type ServerEventType,
} from './events';

export type ConnectionStatus =
  /** The first connection is being made. */
  | 'connecting'
  /** Joined: `room:state` arrived on this socket. */
  | 'open'
  /** Lost; waiting for the next attempt (`nextRetryAt`) or making it. */
  | 'reconnecting'
  /**
   * Like `reconnecting` (still retrying, same backoff), after `unreachableAfterAttempts`
   * failures in a row: the page should say the room can't be reached and offer a retry.
   */
  | 'unreachable'
  /** Stopped for good: `close()`, `room:leave`, or a fatal answer to `room:join`. */
  | 'closed';

export interface ConnectionInfo {
  status: ConnectionStatus;
  /** Failed attempts in a row since the last good connection; 0 while open. */
  attempt: number;
  /** When the next attempt starts (ms, on the injected clock) while waiting for it; else null. */
  nextRetryAt: number | null;
}

/** Client-side codes; anything else is a protocol.md error code echoed by the server. */
export type LocalErrorCode = 'not_connected' | 'disconnected' | 'closed' | 'timeout' | 'payload_too_large';

/** A failed `send`/`request`: the server's `{code, message}`, or one of `LocalErrorCode`. */
export class RealtimeError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
  }
}

export interface RealtimeSubscriber {
  /** `room:state`, after every (re)join: replace the room state with it, don't merge. */
  resync?(snapshot: RoomSnapshot): void;
  /** Every other checked server event, in order; `error` events no request claimed too. */
  event?(event: ServerEvent): void;
  status?(info: ConnectionInfo): void;
  /** The server refused the token or the room is gone; the client has stopped. */
  fatal?(error: ApiError): void;
}

/** The part of the browser's WebSocket this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where the browser says it is back online: `window`, or a fake in tests. */
export interface NetworkEvents {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

export interface RequestOptions<R extends ServerEventType> {
  /** The event that means success, e.g. `call:started` for `call:start`. */
  expect: R;
  /** Narrows which `expect` event counts, e.g. the one with our `memberId`. */
  match?: (data: ServerEventMap[R]) => boolean;
  /**
   * Only an `expect` event whose envelope echoes this request's rid counts (`chat:send`:
   * someone else's `chat:message` arriving first is not our answer).
   */
  echoesRid?: boolean;
  timeoutMs?: number;
}

export interface RealtimeOptions {
  token: string;
  /** Default: `/ws` on the page's origin (`ws:` or `wss:` to match the page). */
  url?: string;
  createSocket?: (url: string) => WebSocketLike;
  timers?: Timers;
  /** In [0, 1), like Math.random. */
  random?: () => number;
  now?: () => number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A socket not open this long after it was made, or without `room:state` this long after it opened, is retried. */
  joinTimeoutMs?: number;
  /** Failed attempts in a row after which the status is `unreachable` (default 3)… */
  unreachableAfterAttempts?: number;
  /**
   * …and for at least this long since the first of them (default 10 s): with full jitter,
   * three quick failures can come within a second, too soon to say the server is gone.
   */
  unreachableAfterMs?: number;
  /** Default: `window` in a browser; null: never skip the backoff on `online`. */
  network?: NetworkEvents | null;
  requestTimeoutMs?: number;
  /** How long `leave()` waits for an error about `room:leave` before calling it done. */
  leaveTimeoutMs?: number;
  /** How long an early event waits for those numbered before it before the client resyncs. */
  gapWaitMs?: number;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 15_000;
export const JOIN_TIMEOUT_MS = 10_000;
export const UNREACHABLE_AFTER_ATTEMPTS = 3;
export const UNREACHABLE_AFTER_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const LEAVE_TIMEOUT_MS = 1_000;
export const GAP_WAIT_MS = 1_000;
/** protocol.md: frames above 64 KiB close the socket (1009). */
export const MAX_FRAME_BYTES = 64 * 1024;

const OPEN = 1;
/** Answers to `room:join` after which trying again cannot help. */
const FATAL_JOIN_CODES = new Set(['unauthorized', 'forbidden', 'room_not_found', 'token_revoked']);
/** protocol.md: a removed member's sockets close with 1000 and this reason. */
export const REMOVED_CLOSE_REASON = 'removed';

/**
 * Full jitter (a uniformly random wait between 0 and the exponential bound): clients that
 * lost the same server spread out instead of returning together. `attempt` counts from 0.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const bound = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * bound);
}

export function defaultSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface PendingRequest {
  expect: ServerEventType;
  match: ((data: never) => boolean) | undefined;
  echoesRid: boolean;
  resolve(data: unknown): void;
  reject(error: RealtimeError): void;
  timer: unknown;
}

export class RealtimeClient {
  private readonly token: string;
  private readonly url: string;
  private readonly createSocket: (url: string) => WebSocketLike;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly joinTimeoutMs: number;
  private readonly unreachableAfterAttempts: number;
  private readonly unreachableAfterMs: number;
  /** When the current run of failed attempts began (clock ms); null while open. */
  private failingSince: number | null = null;
  private readonly network: NetworkEvents | null;
  private readonly requestTimeoutMs: number;
  private readonly leaveTimeoutMs: number;
  private readonly gapWaitMs: number;

  /** The number of the last room event applied (or reflected by room:state); null: not numbered. */
  private lastSeq: number | null = null;
  /** Events that came before some numbered ahead of them, by number. */
  private readonly early = new Map<number, { event: ServerEvent; rid: string | undefined }>();
  private gapTimer: unknown = null;
  /** A room:join to resync is on its way: events until its room:state are dropped. */
  private resyncing = false;

  private readonly subscribers = new Set<RealtimeSubscriber>();
  private readonly pending = new Map<string, PendingRequest>();
  private socket: WebSocketLike | null = null;
  private joinRid: string | null = null;
  private joined = false;
  private started = false;
  /** Set by close(), room:leave and fatal errors: no more reconnecting. */
  private stopped = false;
  /** close() ran (or a fatal answer did its work): nothing is left to tear down. */
  private finished = false;
  private retryTimer: unknown = null;
  private joinTimer: unknown = null;
  private ridCounter = 0;
  private watchingNetwork = false;
  private info: ConnectionInfo = { status: 'connecting', attempt: 0, nextRetryAt: null };

  constructor(options: RealtimeOptions) {
    this.token = options.token;
    this.url = options.url ?? defaultSocketUrl(globalThis.location);
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.timers = options.timers ?? browserTimers;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.backoffBaseMs = options.backoffBaseMs ?? BACKOFF_BASE_MS;
    this.backoffCapMs = options.backoffCapMs ?? BACKOFF_CAP_MS;
    this.joinTimeoutMs = options.joinTimeoutMs ?? JOIN_TIMEOUT_MS;
    this.unreachableAfterAttempts = Math.max(1, options.unreachableAfterAttempts ?? UNREACHABLE_AFTER_ATTEMPTS);
    this.unreachableAfterMs = Math.max(0, options.unreachableAfterMs ?? UNREACHABLE_AFTER_MS);
    this.network =
      options.network !== undefined
        ? options.network
        : typeof window !== 'undefined' && typeof window.addEventListener === 'function'
          ? window
          : null;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.leaveTimeoutMs = options.leaveTimeoutMs ?? LEAVE_TIMEOUT_MS;
    this.gapWaitMs = options.gapWaitMs ?? GAP_WAIT_MS;
  }

  /** Opens the first connection. Calling it again does nothing. */
  connect(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.network !== null) {
      this.network.addEventListener('online', this.backOnline);
      this.watchingNetwork = true;
    }
    this.openSocket();
  }

  get status(): ConnectionInfo {
    return this.info;
  }

  /** True while joined: `send` and `request` will write their frame. */
  get isOpen(): boolean {
    return this.info.status === 'open';
  }

  /** Returns the unsubscribe. Nothing is replayed: read `status` for the current state. */
  subscribe(subscriber: RealtimeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /** Handler for one event type. Returns the unsubscribe. */
  on<K extends ServerEventType>(type: K, handler: (data: ServerEventMap[K]) => void): () => void {
    return this.subscribe({
      event(event) {
        if (event.type === type) handler(event.data as ServerEventMap[K]);
      },
    });
  }

  /**
   * Writes one frame with a fresh rid and returns the rid. Fire and forget: an `error` that
   * echoes the rid reaches subscribers as an ordinary `error` event.
   * Throws RealtimeError `not_connected` unless open, `payload_too_large` past 64 KiB.
   */
  send<K extends ClientEventType>(type: K, data: ClientEventMap[K]): string {
    const rid = this.nextRid();
    this.write(type, data, rid);
    return rid;
  }

  /**
   * Writes one frame and settles on the server's reply:
   * - resolves with the data of the first `expect` event (passing `match`) that arrives after
   *   the frame was written; the event still reaches subscribers as usual;
   * - rejects with the server's `{code, message}` when an `error` echoes this frame's rid;
   * - rejects `timeout` after `timeoutMs` (default 10 s), `disconnected` if the socket drops
   *   first (the outcome is then unknown: the resync will tell), `closed` on close();
   * - rejects at once with `not_connected` unless open.
   */
  request<K extends ClientEventType, R extends ServerEventType>(
    type: K,
    data: ClientEventMap[K],
    options: RequestOptions<R>,
  ): Promise<ServerEventMap[R]> {
    const rid = this.nextRid();
    try {
      this.write(type, data, rid);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<ServerEventMap[R]>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(rid);
        reject(new RealtimeError('timeout', `No answer to ${type}.`));
      }, options.timeoutMs ?? this.requestTimeoutMs);
      this.pending.set(rid, {
        expect: options.expect,
        match: options.match as ((data: never) => boolean) | undefined,
        echoesRid: options.echoesRid === true,
        resolve: resolve as (data: unknown) => void,
        reject,
        timer,
      });
    });
  }

  /**
   * Leaves the room for good (`room:leave`), then closes. Resolves once the server closed the
   * socket or `leaveTimeoutMs` passed without an error about it; rejects with the server's
   * error if there was one. While not open it only closes and rejects `not_connected`, so the
   * caller can fall back to `POST …/leave`. Either way the client ends `closed`.
   */
  leave(): Promise<void> {
    if (!this.isOpen) {
      this.close();
      return Promise.reject(new RealtimeError('not_connected', 'Not connected; nothing was sent.'));
    }
    return new Promise<void>((resolve, reject) => {
      const rid = this.nextRid();
      this.write('room:leave', {}, rid);
      const finish = (error: RealtimeError | null) => {
        this.timers.clearTimeout(timer);
        this.pending.delete(rid);
        this.close();
        if (error === null || error.code === 'disconnected' || error.code === 'closed') resolve();
        else reject(error);
      };
      const timer = this.timers.setTimeout(() => finish(null), this.leaveTimeoutMs);
      // An `expect` that never comes: only an error or the socket's end settles this one.
      this.pending.set(rid, { expect: 'error', match: () => false, echoesRid: false, resolve: () => {}, reject: finish, timer });
    });
  }

  /**
   * Skips the wait before the next attempt (a "Try again" button; the browser's `online` event
   * does it by itself). Does nothing while open, closed, or with an attempt under way.
   */
  reconnectNow(): void {
    if (this.stopped || !this.started || this.retryTimer === null) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.openSocket();
  }

  /**
   * Closes the current socket at once, as if the network had cut it, and goes on as after
   * any drop (status `reconnecting`, backoff, `room:join`, resync). For tests and debugging.
   */
  drop(): void {
    if (this.stopped || this.socket === null) return;
    this.dropSocket();
  }

  /** Stops for good: closes the socket, cancels retries, fails what is pending. */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopped = true;
    this.stopWatchingNetwork();
    this.teardown(new RealtimeError('closed', 'The connection was closed.'));
    this.setStatus({ status: 'closed', attempt: this.info.attempt, nextRetryAt: null });
  }

  /** The network is back: whatever made the last attempts fail may be gone, so don't wait. */
  private readonly backOnline = (): void => {
    this.reconnectNow();
  };

  private stopWatchingNetwork(): void {
    if (!this.watchingNetwork || this.network === null) return;
    this.watchingNetwork = false;
    this.network.removeEventListener('online', this.backOnline);
  }

  /** `reconnecting`, or `unreachable` once `attempt` failures in a row are too many. */
  private failingStatus(attempt: number): ConnectionStatus {
    const failingFor = this.failingSince === null ? 0 : this.now() - this.failingSince;
    return attempt >= this.unreachableAfterAttempts && failingFor >= this.unreachableAfterMs ? 'unreachable' : 'reconnecting';
  }

  private nextRid(): string {
    this.ridCounter += 1;
    return `r${this.ridCounter}`;
  }

  private write(type: string, data: unknown, rid: string): void {
    const socket = this.socket;
    if (!this.isOpen || socket === null || socket.readyState !== OPEN) {
      throw new RealtimeError('not_connected', `Not connected; ${type} was not sent.`);
    }
    const frame = JSON.stringify({ type, data, rid } satisfies Envelope);
    if (frame.length > MAX_FRAME_BYTES / 4 && new TextEncoder().encode(frame).length > MAX_FRAME_BYTES) {
      throw new RealtimeError('payload_too_large', `${type} is larger than the server accepts.`);
    }
    // Once room:leave is on the wire, the end of this socket is the end of the session.
    if (type === 'room:leave') this.stopped = true;
    socket.send(frame);
  }

  private openSocket(): void {
    this.setStatus({
      status: this.info.status === 'connecting' ? 'connecting' : this.failingStatus(this.info.attempt),
      attempt: this.info.attempt,
      nextRetryAt: null,
    });
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch {
      // A malformed URL or a blocked scheme: as good as a refused connection.
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.joined = false;
    this.joinRid = this.nextRid();
    this.startJoinDeadline(socket);

    socket.onopen = () => {
      if (this.socket !== socket) return;
      // Opening took part of the deadline; the server gets all of it to answer room:join.
      this.startJoinDeadline(socket);
      const join: Envelope = { type: 'room:join', data: { token: this.token }, rid: this.joinRid ?? undefined };
      socket.send(JSON.stringify(join));
    };
    socket.onmessage = (event) => {
      if (this.socket === socket && typeof event.data === 'string') this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      if (event?.code === 1000 && event.reason === REMOVED_CLOSE_REASON) {
        // Removed from the room: the token is refused from now on, so don't try again.
        this.detach(socket);
        this.socket = null;
        this.joinRefused('token_revoked', 'You were removed from this room');
        return;
      }
      this.socketClosed();
    };
    socket.onerror = () => {
      // Always followed by close; nothing to do here.
    };
  }

  /** Drops `socket` unless it gets its `room:state` within `joinTimeoutMs` from now. */
  private startJoinDeadline(socket: WebSocketLike): void {
    if (this.joinTimer !== null) this.timers.clearTimeout(this.joinTimer);
    this.joinTimer = this.timers.setTimeout(() => {
      this.joinTimer = null;
      if (this.socket === socket && !this.joined) this.dropSocket();
    }, this.joinTimeoutMs);
  }

  private receive(text: string): void {
    const envelope = parseEnvelope(text);
    if (envelope === null) return;

    if (envelope.type === 'room:state') {
      let snapshot: RoomSnapshot;
      try {
        snapshot = parseRoomSnapshot(envelope.data);
      } catch {
        // A server bug; a fresh connection is the only thing that might help.
        this.dropSocket();
        return;
      }
      if (!this.joined) {
        this.joined = true;
        if (this.joinTimer !== null) this.timers.clearTimeout(this.joinTimer);
        this.joinTimer = null;
        this.failingSince = null;
        this.setStatus({ status: 'open', attempt: 0, nextRetryAt: null });
      }
      this.forgetOrder();
      this.lastSeq = snapshot.seq;
      for (const s of [...this.subscribers]) s.resync?.(snapshot);
      return;
    }

    const event = parseServerEvent(envelope);
    if (event === null) return;

    if (!this.joined) {
      // Before room:state only the answer to room:join matters; the state supersedes the rest.
      if (event.type === 'error' && (event.data.rid === undefined || event.data.rid === this.joinRid)) {
        this.joinRefused(event.data.code, event.data.message);
      }
      return;
    }

    if (envelope.seq !== undefined && this.lastSeq !== null) {
      this.inOrder(envelope.seq, event, envelope.rid);
      return;
    }
    this.dispatch(event, envelope.rid);
  }

  /** A numbered event: applied in the room's order, held while early, dropped when known. */
  private inOrder(seq: number, event: ServerEvent, rid: string | undefined): void {
    if (this.resyncing || this.lastSeq === null || seq <= this.lastSeq) return;
    if (seq > this.lastSeq + 1) {
      this.early.set(seq, { event, rid });
      if (this.gapTimer === null) {
        this.gapTimer = this.timers.setTimeout(() => {
          this.gapTimer = null;
          if (this.early.size > 0) this.resyncInPlace();
        }, this.gapWaitMs);
      }
      return;
    }
    this.lastSeq = seq;
    this.dispatch(event, rid);
    for (let next = this.early.get(this.lastSeq + 1); next !== undefined; next = this.early.get(this.lastSeq + 1)) {
      this.early.delete(this.lastSeq + 1);
      this.lastSeq += 1;
      this.dispatch(next.event, next.rid);
    }
    if (this.early.size === 0 && this.gapTimer !== null) {
      this.timers.clearTimeout(this.gapTimer);
      this.gapTimer = null;
    }
  }

  /** Events were lost: a fresh room:state on this socket says what is true now. */
  private resyncInPlace(): void {
    this.forgetOrder();
    try {
      this.write('room:join', { token: this.token }, this.nextRid());
      this.resyncing = true;
    } catch {
      this.dropSocket(); // the reconnect resyncs
    }
  }

  private forgetOrder(): void {
    this.early.clear();
    this.resyncing = false;
    if (this.gapTimer !== null) this.timers.clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  /** `rid`: what the event's envelope echoes, if anything (an answer to one of our frames). */
  private dispatch(event: ServerEvent, rid?: string): void {
    if (event.type === 'error' && event.data.rid !== undefined) {
      const request = this.pending.get(event.data.rid);
      if (request !== undefined) {
        this.pending.delete(event.data.rid);
        this.timers.clearTimeout(request.timer);
        request.reject(new RealtimeError(event.data.code, event.data.message));
        return;
      }
    }
    for (const [pendingRid, request] of this.pending) {
      if (request.expect !== event.type) continue;
      if (request.echoesRid && rid !== pendingRid) continue;
      if (request.match !== undefined && !request.match(event.data as never)) continue;
      this.pending.delete(pendingRid);
      this.timers.clearTimeout(request.timer);
      request.resolve(event.data);
    }
    for (const s of [...this.subscribers]) s.event?.(event);
  }

  private joinRefused(code: string, message: string): void {
    if (!FATAL_JOIN_CODES.has(code)) {
      this.dropSocket();
      return;
    }
    this.close();
    const status = code === 'forbidden' ? 403 : code === 'room_not_found' ? 404 : 401;
    const error = new ApiError(code as 'unauthorized' | 'forbidden' | 'room_not_found' | 'token_revoked', message, status);
    for (const s of [...this.subscribers]) s.fatal?.(error);
  }

  /** Closes the current socket ourselves and goes on as if the server had. */
  private dropSocket(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.detach(socket);
    socket.close(1000);
    this.socketClosed();
  }

  private socketClosed(): void {
    const socket = this.socket;
    if (socket !== null) this.detach(socket);
    this.socket = null;
    this.joined = false;
    this.forgetOrder();
    if (this.joinTimer !== null) this.timers.clearTimeout(this.joinTimer);
    this.joinTimer = null;
    this.failPending(new RealtimeError('disconnected', 'The connection dropped before an answer came.'));
    if (this.stopped) {
      this.stopWatchingNetwork();
      this.setStatus({ status: 'closed', attempt: this.info.attempt, nextRetryAt: null });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const attempt = this.info.attempt;
    if (attempt === 0) this.failingSince = this.now();
    const delay = backoffDelay(attempt, this.random, this.backoffBaseMs, this.backoffCapMs);
    this.setStatus({ status: this.failingStatus(attempt + 1), attempt: attempt + 1, nextRetryAt: this.now() + delay });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.openSocket();
    }, delay);
  }

  private teardown(reason: RealtimeError): void {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.joinTimer !== null) this.timers.clearTimeout(this.joinTimer);
    this.joinTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.joined = false;
    this.forgetOrder();
    if (socket !== null) {
      this.detach(socket);
      socket.close(1000);
    }
    this.failPending(reason);
  }

  private failPending(reason: RealtimeError): void {
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const request of requests) {
      this.timers.clearTimeout(request.timer);
      request.reject(reason);
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  private setStatus(info: ConnectionInfo): void {
    const same =
      info.status === this.info.status && info.attempt === this.info.attempt && info.nextRetryAt === this.info.nextRetryAt;
    this.info = info;
    if (same) return;
    for (const s of [...this.subscribers]) s.status?.(info);
  }
}
