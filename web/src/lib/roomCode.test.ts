import { describe, expect, it } from 'vitest';
import { extractRoomCode, formatRoomCode, parseRoomCode, roomPath } from './roomCode';

describe('parseRoomCode', () => {
  it('accepts the display form', () => {
    expect(parseRoomCode('abcd-efgh-jkmn')).toBe('abcdefghjkmn');
  });

  it('accepts the compact form in any case', () => {
    expect(parseRoomCode('abcdefghjkmn')).toBe('abcdefghjkmn');
    expect(parseRoomCode('ABCDEFGHJKMN')).toBe('abcdefghjkmn');
    expect(parseRoomCode('AbCd-EfGh-JkMn')).toBe('abcdefghjkmn');
  });

  it('ignores surrounding whitespace and stray dashes or spaces', () => {
    expect(parseRoomCode('  abcd efgh jkmn ')).toBe('abcdefghjkmn');
    expect(parseRoomCode('abc-defgh-jk-mn')).toBe('abcdefghjkmn');
  });

  it('maps the letters people confuse with digits', () => {
    expect(parseRoomCode('oooo-iiii-llll')).toBe('000011111111');
  });

  it('rejects wrong lengths and characters outside the alphabet', () => {
    expect(parseRoomCode('')).toBeNull();
    expect(parseRoomCode('abcd-efgh-jkm')).toBeNull();
    expect(parseRoomCode('abcd-efgh-jkmnp')).toBeNull();
    expect(parseRoomCode('abcd-efgh-jkmu')).toBeNull();
    expect(parseRoomCode('abcd_efgh_jkmn')).toBeNull();
    expect(parseRoomCode('abcd-efgh-jkm!')).toBeNull();
  });
});

describe('formatRoomCode', () => {
  it('groups the canonical code in fours', () => {
    expect(formatRoomCode('abcdefghjkmn')).toBe('abcd-efgh-jkmn');
    expect(formatRoomCode('ABCD-EFGH-JKMN')).toBe('abcd-efgh-jkmn');
  });

  it('builds the room path', () => {
    expect(roomPath('ABCDEFGHJKMN')).toBe('/r/abcd-efgh-jkmn');
  });
});

describe('extractRoomCode', () => {
  it('reads bare codes', () => {
    expect(extractRoomCode('abcd-efgh-jkmn')).toBe('abcdefghjkmn');
    expect(extractRoomCode('ABCDEFGHJKMN')).toBe('abcdefghjkmn');
  });

  it('reads full links and paths', () => {
    expect(extractRoomCode('https://parlor.example.com/r/abcd-efgh-jkmn')).toBe('abcdefghjkmn');
    expect(extractRoomCode('http://127.0.0.1:8080/r/ABCDEFGHJKMN')).toBe('abcdefghjkmn');
    expect(extractRoomCode('/r/abcd-efgh-jkmn')).toBe('abcdefghjkmn');
    expect(extractRoomCode('parlor.example.com/r/abcd-efgh-jkmn')).toBe('abcdefghjkmn');
  });

  it('stops the code at a query, fragment or further path', () => {
    expect(extractRoomCode('https://x.test/r/abcd-efgh-jkmn?from=mail')).toBe('abcdefghjkmn');
    expect(extractRoomCode('https://x.test/r/abcd-efgh-jkmn#people')).toBe('abcdefghjkmn');
    expect(extractRoomCode('https://x.test/r/abcd-efgh-jkmn/')).toBe('abcdefghjkmn');
  });

  it('finds the link inside a pasted invitation', () => {
    expect(extractRoomCode('Join me: https://x.test/r/abcd-efgh-jkmn thanks')).toBe('abcdefghjkmn');
    expect(extractRoomCode('  https://x.test/r/abcd-efgh-jkmn  ')).toBe('abcdefghjkmn');
  });

  it('rejects input without a code', () => {
    expect(extractRoomCode('')).toBeNull();
    expect(extractRoomCode('   ')).toBeNull();
    expect(extractRoomCode('https://x.test/')).toBeNull();
    expect(extractRoomCode('https://x.test/r/')).toBeNull();
    expect(extractRoomCode('https://x.test/r/short')).toBeNull();
    expect(extractRoomCode('hello')).toBeNull();
  });
});
