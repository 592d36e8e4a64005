import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, parseRetryAfter } from './http';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

describe('errorFromResponse', () => {
  it('reads the protocol error body', async () => {
    const error = await errorFromResponse(
      jsonResponse(404, { error: { code: 'room_not_found', message: 'No room has code abcd-efgh-jkmn' } }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('room_not_found');
    expect(error.message).toBe('No room has code abcd-efgh-jkmn');
    expect(error.status).toBe(404);
  });

  it('reads Retry-After on rate limits', async () => {
    const error = await errorFromResponse(
      jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '17' }),
    );
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(17);
  });

  it('knows the file type refusal (415)', async () => {
    const body = { error: { code: 'file_type_not_allowed', message: 'Files of type .exe are not allowed in this room' } };
    const error = await errorFromResponse(jsonResponse(415, body));
    expect(error.code).toBe('file_type_not_allowed');
    expect(error.message).toBe('Files of type .exe are not allowed in this room');
    expect((await errorFromResponse(new Response('', { status: 415 }))).code).toBe('file_type_not_allowed');
  });

  it('falls back to the status when the body is not the protocol', async () => {
    expect((await errorFromResponse(new Response('nope', { status: 401 }))).code).toBe('unauthorized');
    expect((await errorFromResponse(new Response('', { status: 502 }))).code).toBe('unreachable');
    expect((await errorFromResponse(new Response('', { status: 418 }))).code).toBe('bad_request');
    expect((await errorFromResponse(new Response('', { status: 599 }))).code).toBe('internal');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and dates', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2026-11-25T20:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 20:00:42 GMT', now)).toBe(42);
  });
});
