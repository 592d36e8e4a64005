/**
 * Room codes: 12 characters of Crockford base32, shown as `xxxx-xxxx-xxxx`.
 *
 * - canonical form: 12 lowercase characters, no dashes (`abcdefghjkmn`); used as a storage key
 * - display form:   `abcd-efgh-jkmn`; used in URLs, the header and API paths
 *
 * People type codes by hand, so parsing is forgiving: any case, dashes and spaces anywhere,
 * and Crockford's decoding aliases (`o` → `0`, `i`/`l` → `1`) since those letters never
 * appear in a code but are easy to mistype for the digits.
 */

const CODE_LENGTH = 12;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ALIASES: Record<string, string> = { o: '0', i: '1', l: '1' };

/** Returns the canonical form of a typed room code, or null if it is not one. */
export function parseRoomCode(input: string): string | null {
  const compact = input.trim().toLowerCase().replace(/[\s-]+/g, '');
  if (compact.length !== CODE_LENGTH) return null;
  let canonical = '';
  for (const ch of compact) {
    const mapped = ALIASES[ch] ?? ch;
    if (!ALPHABET.includes(mapped)) return null;
    canonical += mapped;
  }
  return canonical;
}

/** `abcdefghjkmn` → `abcd-efgh-jkmn`. Accepts any form parseRoomCode accepts. */
export function formatRoomCode(code: string): string {
  const canonical = parseRoomCode(code) ?? code.toLowerCase().replace(/-/g, '');
  return canonical.match(/.{1,4}/g)?.join('-') ?? canonical;
}

/** Path of a room's page, e.g. `/r/abcd-efgh-jkmn`. */
export function roomPath(code: string): string {
  return `/r/${formatRoomCode(code)}`;
}

/**
 * Reads what someone typed or pasted into "Room code or link": a bare code, or any link or
 * path that contains `/r/<code>`. Returns the canonical code or null.
 */
export function extractRoomCode(input: string): string | null {
  const text = input.trim();
  if (text === '') return null;
  const fromLink = /\/r\/([0-9A-Za-z-]+)/.exec(text);
  if (fromLink?.[1] !== undefined) {
    // A link ends the code at the first character that cannot be part of it (?, #, /, …).
    return parseRoomCode(fromLink[1]);
  }
  return parseRoomCode(text);
}
