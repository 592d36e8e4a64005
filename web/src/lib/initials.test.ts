import { describe, expect, it } from 'vitest';
import { initials } from './initials';

describe('initials', () => {
  it('takes the first letters of the first and last words', () => {
    expect(initials('Alice Example')).toBe('AE');
    expect(initials('  bob  ')).toBe('B');
    expect(initials('Jean Paul Sartre')).toBe('JS');
    expect(initials('😀 smile')).toBe('😀S');
    expect(initials('   ')).toBe('?');
  });
});
