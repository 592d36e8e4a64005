/**
 * Retries for idempotent REST calls (issue 13, "Retries"): reading the room state, the files
 * list, a download link, ICE servers, a page of chat messages. Asking again cannot do
 * anything twice, so a network error (no answer, or a timeout) or a 503 (the server's
 * database is unreachable, or it has no connection to spare) is worth another try, after a
 * capped, fully jittered exponential backoff: `random() * min(cap, base * 2^n)`, so that
 * many clients cut off together do not come back together. A 503's `Retry-After` is
 * honoured (capped). Everything else (4xx, 500, a bad answer) fails at once.
 *
 * Calls that change something (join, create, prepare, complete, leave) are never retried
 * here: the page shows their error with its own way to try again.
 *
 * Framework-free; the timers and randomness are injectable for tests.
 */
import { ApiError, request, type RequestOptions } from './http';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
  /** The most a server's `Retry-After` may make us wait. */
  retryAfterCapMs: number;
}

export const IDEMPOTENT_RETRY: RetryPolicy = { attempts: 4, baseMs: 250, capMs: 4_000, retryAfterCapMs: 10_000 };

export interface RetryTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: RetryTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RetryOptions {
  /** The caller giving up: stops the waiting and the attempts (rejects with its reason). */
  signal?: AbortSignal;
  policy?: RetryPolicy;
  timers?: RetryTimers;
  /** In [0, 1), like Math.random. */
  random?: () => number;
}

/** Whether asking again may help: no answer at all (network, timeout), or 503. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'unreachable' && error.status === 0) return true;
  return error.status === 503;
}

/** How long to wait before retry number `retry` (0 for the first retry). */
export function retryDelayMs(retry: number, error: unknown, policy: RetryPolicy, random: () => number): number {
  if (error instanceof ApiError && error.retryAfterSeconds !== null) {
    return Math.min(policy.retryAfterCapMs, Math.max(0, error.retryAfterSeconds * 1000));
  }
  const bound = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * bound);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function wait(ms: number, timers: RetryTimers, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(abortReason(signal!));
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `call` until it succeeds, fails with something a retry cannot help, or runs out of
 * attempts (then its last error is thrown). Only for calls that are safe to repeat.
 */
export async function withRetry<T>(call: (signal?: AbortSignal) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? IDEMPOTENT_RETRY;
  const timers = options.timers ?? globalTimers;
  const random = options.random ?? Math.random;
  const { signal } = options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(signal);
    } catch (error) {
      if (signal?.aborted || attempt >= policy.attempts || !isRetryable(error)) throw error;
      await wait(retryDelayMs(attempt - 1, error, policy, random), timers, signal);
    }
  }
}

/** A GET of the REST API, retried as above: for any read another module adds (e.g. chat pages). */
export function getWithRetry(path: string, options: RequestOptions = {}, retry: Omit<RetryOptions, 'signal'> = {}): Promise<unknown> {
  return withRetry((signal) => request('GET', path, { ...options, signal }), { ...retry, signal: options.signal });
}
