import { describe, expect, it } from 'vitest';
import { createBrowserMemory, tokenKey } from './storage';

class MapStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('browser memory', () => {
  it('keys tokens by the canonical room code', () => {
    expect(tokenKey('ABCD-EFGH-JKMN')).toBe('parlor.token.abcdefghjkmn');
    expect(tokenKey('abcdefghjkmn')).toBe('parlor.token.abcdefghjkmn');
  });

  it('remembers and forgets a room token whatever form of the code is used', () => {
    const storage = new MapStorage();
    const memory = createBrowserMemory(storage);
    memory.rememberToken('abcd-efgh-jkmn', 'tok');
    expect(storage.getItem('parlor.token.abcdefghjkmn')).toBe('tok');
    expect(memory.token('ABCDEFGHJKMN')).toBe('tok');
    memory.forgetToken('abcdefghjkmn');
    expect(memory.token('abcd-efgh-jkmn')).toBeNull();
  });

  it('remembers a removal per room, and forgets the token with it', () => {
    const storage = new MapStorage();
    const memory = createBrowserMemory(storage);
    memory.rememberToken('abcd-efgh-jkmn', 'tok');
    expect(memory.removed('abcdefghjkmn')).toBe(false);
    memory.rememberRemoved('ABCD-EFGH-JKMN');
    expect(memory.removed('abcd-efgh-jkmn')).toBe(true);
    expect(memory.token('abcd-efgh-jkmn')).toBeNull();
    expect(memory.removed('abcd-efgh-jkmp')).toBe(false);
    expect(storage.getItem('parlor.removed.abcdefghjkmn')).not.toBeNull();
  });

  it('remembers the name', () => {
    const memory = createBrowserMemory(new MapStorage());
    expect(memory.name()).toBe('');
    memory.rememberName('Alice');
    expect(memory.name()).toBe('Alice');
  });

  it('keeps working without storage', () => {
    const memory = createBrowserMemory(null);
    memory.rememberToken('abcd-efgh-jkmn', 'tok');
    expect(memory.token('abcd-efgh-jkmn')).toBeNull();
    expect(memory.name()).toBe('');
  });

  it('survives storage that throws', () => {
    const broken = new MapStorage();
    broken.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const memory = createBrowserMemory(broken);
    expect(() => memory.rememberName('Alice')).not.toThrow();
  });
});
