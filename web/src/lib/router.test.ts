import { describe, expect, it } from 'vitest';
import { canonicalPath, matchRoute } from './router';

describe('matchRoute', () => {
  it('matches the landing page', () => {
    expect(matchRoute('/')).toEqual({ name: 'landing' });
  });

  it('matches rooms and parses their code', () => {
    expect(matchRoute('/r/abcd-efgh-jkmn')).toEqual({ name: 'room', code: 'abcdefghjkmn', raw: 'abcd-efgh-jkmn' });
    expect(matchRoute('/r/ABCDEFGHJKMN/')).toMatchObject({ name: 'room', code: 'abcdefghjkmn' });
  });

  it('keeps a room path whose code is not a code', () => {
    expect(matchRoute('/r/hello')).toEqual({ name: 'room', code: null, raw: 'hello' });
  });

  it('does not match anything else', () => {
    expect(matchRoute('/r/')).toMatchObject({ name: 'not-found' });
    expect(matchRoute('/rooms/abcd')).toMatchObject({ name: 'not-found' });
    expect(matchRoute('/r/abcd-efgh-jkmn/files')).toMatchObject({ name: 'not-found' });
  });

  it('puts room codes in display form', () => {
    expect(canonicalPath(matchRoute('/r/ABCDEFGHJKMN'))).toBe('/r/abcd-efgh-jkmn');
    expect(canonicalPath(matchRoute('/'))).toBeNull();
  });
});
