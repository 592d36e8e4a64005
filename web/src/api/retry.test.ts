import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchDownloadLink, listFiles, prepareUpload } from './files';
import { ApiError } from './http';
import { IDEMPOTENT_RETRY, isRetryable, retryDelayMs, withRetry } from './retry';
import { fetchIceServers } from './rooms';

const unreachable = () => new ApiError('unreachable', 'The Parlor server did not answer.');
const unavailable = (retryAfterSeconds: number | null = null) => new ApiError('unavailable', 'down', 503, retryAfterSeconds);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** Settles a promise's outcome into something a test can look at while timers are fake. */
function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

describe('which failures are retried', () => {
  it('no answer and 503 are; refusals, server bugs and bad answers are not', () => {
    expect(isRetryable(unreachable())).toBe(true);
    expect(isRetryable(unavailable())).toBe(true);
    expect(isRetryable(new ApiError('unreachable', 'Gateway error 502', 502))).toBe(false);
    expect(isRetryable(new ApiError('rate_limited', 'slow', 429, 3))).toBe(false);
    expect(isRetryable(new ApiError('unauthorized', 'no', 401))).toBe(false);
    expect(isRetryable(new ApiError('internal', 'bug', 500))).toBe(false);
    expect(isRetryable(new ApiError('bad_response', 'not json', 200))).toBe(false);
    expect(isRetryable(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('the backoff', () => {
  it('doubles from 250 ms up to the 4 s cap, scaled by the random draw', () => {
    const top = () => 0.999_999;
    const bounds = [0, 1, 2, 3, 4, 5, 8].map((retry) => retryDelayMs(retry, unreachable(), IDEMPOTENT_RETRY, top));
    expect(bounds).toEqual([249, 499, 999, 1999, 3999, 3999, 3999]);
    expect(retryDelayMs(2, unreachable(), IDEMPOTENT_RETRY, () => 0.5)).toBe(500);
    expect(retryDelayMs(2, unreachable(), IDEMPOTENT_RETRY, () => 0)).toBe(0);
  });

  it("honours a 503's Retry-After, up to 10 s", () => {
    expect(retryDelayMs(0, unavailable(2), IDEMPOTENT_RETRY, () => 0)).toBe(2_000);
    expect(retryDelayMs(0, unavailable(3600), IDEMPOTENT_RETRY, () => 0)).toBe(10_000);
  });
});

describe('withRetry', () => {
  it('comes through a network error and a 503 after waiting out the backoff', async () => {
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(unreachable())
      .mockRejectedValueOnce(unavailable())
      .mockResolvedValueOnce('state');
    const result = track(withRetry(call, { random: () => 0.5 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(124); // first retry waits 0.5 × 250 ms
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(call).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(250); // second: 0.5 × 500 ms
    expect(call).toHaveBeenCalledTimes(3);
    expect(result).toEqual({ done: true, value: 'state' });
  });

  it('gives up after 4 attempts with the last error', async () => {
    const call = vi.fn(async () => {
      throw unavailable();
    });
    const result = track(withRetry(call, { random: () => 0.999 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(call).toHaveBeenCalledTimes(4);
    expect(result.done).toBe(true);
    expect(result.error).toBeInstanceOf(ApiError);
    expect((result.error as ApiError).status).toBe(503);
  });

  it('waits what Retry-After says before asking again', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValueOnce(unavailable(3)).mockResolvedValueOnce('ok');
    const result = track(withRetry(call, { random: () => 0 }));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ done: true, value: 'ok' });
  });

  it('does not retry what a retry cannot fix', async () => {
    const call = vi.fn(async () => {
      throw new ApiError('file_not_found', 'gone', 404);
    });
    const result = track(withRetry(call));
    await vi.advanceTimersByTimeAsync(0);
    expect(call).toHaveBeenCalledTimes(1);
    expect((result.error as ApiError).code).toBe('file_not_found');
  });

  it('stops waiting when the caller gives up', async () => {
    const call = vi.fn(async () => {
      throw unreachable();
    });
    const abort = new AbortController();
    const result = track(withRetry(call, { signal: abort.signal, random: () => 0.999 }));
    await vi.advanceTimersByTimeAsync(0);
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(result.done).toBe(true);
    expect((result.error as DOMException).name).toBe('AbortError');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(call).toHaveBeenCalledTimes(1);
  });
});

describe('the REST calls that retry', () => {
  function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
  }

  it('the files list and a download link come through a dropped connection', async () => {
    const fetch = vi
      .fn<(path: string, init?: RequestInit) => Promise<Response>>()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(answer(200, { files: [] }))
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(answer(200, { url: 'http://127.0.0.1:1/blobs/f1', expiresAt: 'soon' }));
    vi.stubGlobal('fetch', fetch);
    const files = track(listFiles('abcd-efgh-jkmn', 'tok'));
    await vi.advanceTimersByTimeAsync(250);
    expect(files).toEqual({ done: true, value: [] });
    const link = track(fetchDownloadLink('f1', 'tok'));
    await vi.advanceTimersByTimeAsync(250);
    expect(link.value).toEqual({ url: 'http://127.0.0.1:1/blobs/f1', expiresAt: 'soon' });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('ICE servers come through a 503 with Retry-After', async () => {
    const fetch = vi
      .fn<(path: string, init?: RequestInit) => Promise<Response>>()
      .mockResolvedValueOnce(answer(503, { error: { code: 'unavailable', message: 'busy' } }, { 'Retry-After': '1' }))
      .mockResolvedValueOnce(answer(200, { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'all', ttl: 600 }));
    vi.stubGlobal('fetch', fetch);
    const grant = track(fetchIceServers('abcd-efgh-jkmn', 'tok'));
    await vi.advanceTimersByTimeAsync(999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(grant.done).toBe(true);
    expect(grant.value?.ttlSeconds).toBe(600);
  });

  it('prepare (not idempotent) fails at once, for the page to offer "Retry"', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    vi.stubGlobal('fetch', fetch);
    const declaration = { filename: 'a.txt', mimeType: 'text/plain', sizeBytes: 1, sha256: 'ab'.repeat(32) };
    const prepared = track(prepareUpload('abcd-efgh-jkmn', 'tok', declaration));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect((prepared.error as ApiError).code).toBe('unreachable');
  });
});
