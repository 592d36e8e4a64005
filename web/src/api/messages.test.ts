import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './http';
import { fetchMessages } from './messages';

const message = { id: 'm1', memberId: 'a', displayName: 'Alice', text: 'hi', createdAt: '2026-01-01T00:00:00Z' };

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('fetchMessages', () => {
  it('asks for the page before a message with the bearer token', async () => {
    const fetch = vi.fn(async (_path: string, _init?: RequestInit) => answer(200, { messages: [message] }));
    vi.stubGlobal('fetch', fetch);
    expect(await fetchMessages('ABCDEFGHJKMN', 'tok', { before: 'm9', limit: 50 })).toEqual([message]);
    const [path, init] = fetch.mock.calls[0]!;
    expect(path).toBe('/api/rooms/abcd-efgh-jkmn/messages?before=m9&limit=50');
    expect(init?.method).toBe('GET');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('a removed member gets token_revoked', async () => {
    vi.stubGlobal('fetch', async () => answer(401, { error: { code: 'token_revoked', message: 'You were removed from this room' } }));
    const failure = fetchMessages('abcd-efgh-jkmn', 'tok', {});
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(fetchMessages('abcd-efgh-jkmn', 'tok', {})).rejects.toMatchObject({ code: 'token_revoked', status: 401 });
  });
});
