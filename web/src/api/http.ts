import type { ApiErrorCode } from './types';

/** Any failed API call. `message` is the server's (or a plain description of what happened). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  /** Seconds to wait, from `Retry-After` (429 and 503). */
  readonly retryAfterSeconds: number | null;

  constructor(code: ApiErrorCode, message: string, status = 0, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'room_not_found',
  413: 'payload_too_large',
  423: 'room_locked',
  415: 'file_type_not_allowed',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
  507: 'storage_full',
};

const KNOWN_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'bad_request',
  'invalid_display_name',
  'room_not_found',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'payload_too_large',
  'file_not_found',
  'upload_incomplete',
  'checksum_mismatch',
  'quota_exceeded',
  'storage_full',
  'upload_in_progress',
  'file_type_not_allowed',
  'unavailable',
  'internal',
  'room_locked',
  'token_revoked',
]);

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Turns a non-2xx response into an ApiError, reading `{"error":{"code","message"}}`. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string') {
    const code = KNOWN_CODES.has(error.code)
      ? (error.code as ApiErrorCode)
      : (CODE_BY_STATUS[response.status] ?? 'internal');
    const message = typeof error.message === 'string' ? error.message : response.statusText;
    return new ApiError(code, message, response.status, retryAfter);
  }
  // No protocol error body: a proxy or gateway answered for a server that is not there.
  if (response.status === 502 || response.status === 504) {
    return new ApiError('unreachable', `Gateway error ${response.status}`, response.status);
  }
  const code = CODE_BY_STATUS[response.status] ?? (response.status >= 500 ? 'internal' : 'bad_request');
  return new ApiError(code, `HTTP ${response.status}`, response.status, retryAfter);
}

export interface RequestOptions {
  body?: unknown;
  token?: string | null;
  signal?: AbortSignal;
}

/** Calls the Parlor REST API on the page's own origin. Resolves to the parsed JSON body. */
export async function request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), REQUEST_TIMEOUT_MS);
  const onCallerAbort = () => timeout.abort();
  options.signal?.addEventListener('abort', onCallerAbort);

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: timeout.signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause; // the caller gave up; not a failure to report
    throw new ApiError('unreachable', 'The Parlor server did not answer.');
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }

  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined;
  try {
    return await response.json();
  } catch {
    throw new ApiError('bad_response', 'The server answered with something that is not JSON.', response.status);
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
