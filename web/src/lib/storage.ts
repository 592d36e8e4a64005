/**
 * What the browser remembers between visits, all in localStorage:
 * - `parlor.name`: the name last used, to prefill "Your name";
 * - `parlor.token.<canonical code>`: the guest token for one room, so a reload rejoins as
 *   the same member;
 * - `parlor.removed.<canonical code>`: set when the room's creator removed us, so a reload
 *   shows that instead of joining again.
 * Storage can be unavailable (private modes, disabled storage); then nothing is remembered
 * and everything else still works.
 */

import { parseRoomCode } from './roomCode';

const NAME_KEY = 'parlor.name';
const TOKEN_PREFIX = 'parlor.token.';
const REMOVED_PREFIX = 'parlor.removed.';

function defaultStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // accessing localStorage itself throws when storage is blocked
  }
}

export function tokenKey(code: string): string {
  const canonical = parseRoomCode(code);
  if (canonical === null) throw new Error(`not a room code: ${code}`);
  return TOKEN_PREFIX + canonical;
}

export function removedKey(code: string): string {
  return REMOVED_PREFIX + tokenKey(code).slice(TOKEN_PREFIX.length);
}

export function createBrowserMemory(storage: Storage | null = defaultStorage()) {
  function read(key: string): string | null {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }
  function write(key: string, value: string | null): void {
    try {
      if (value === null) storage?.removeItem(key);
      else storage?.setItem(key, value);
    } catch {
      // Quota exceeded or storage blocked: forgetting is the only option.
    }
  }

  return {
    name: (): string => read(NAME_KEY) ?? '',
    rememberName: (name: string): void => write(NAME_KEY, name),
    token: (code: string): string | null => read(tokenKey(code)),
    rememberToken: (code: string, token: string): void => write(tokenKey(code), token),
    forgetToken: (code: string): void => write(tokenKey(code), null),
    /** Whether we were removed from this room (in this browser). */
    removed: (code: string): boolean => read(removedKey(code)) !== null,
    /** Removed: the token goes, and the page says so from now on. */
    rememberRemoved: (code: string): void => {
      write(tokenKey(code), null);
      write(removedKey(code), new Date().toISOString());
    },
  };
}

export type BrowserMemory = ReturnType<typeof createBrowserMemory>;

export const memory: BrowserMemory = createBrowserMemory();
