import { describe, expect, it } from 'vitest';
import { checkDisplayName, MAX_DISPLAY_NAME_LENGTH } from './displayName';

describe('checkDisplayName', () => {
  it('accepts an ordinary name and trims it', () => {
    expect(checkDisplayName('  Alice ')).toEqual({ ok: true, name: 'Alice' });
  });

  it('refuses an empty or blank name', () => {
    expect(checkDisplayName('')).toMatchObject({ ok: false, problem: 'empty' });
    expect(checkDisplayName('   \t ')).toMatchObject({ ok: false, problem: 'empty' });
  });

  it('allows exactly 64 characters and refuses 65', () => {
    expect(checkDisplayName('a'.repeat(MAX_DISPLAY_NAME_LENGTH)).ok).toBe(true);
    const tooLong = checkDisplayName('a'.repeat(MAX_DISPLAY_NAME_LENGTH + 1));
    expect(tooLong).toMatchObject({ ok: false, problem: 'too_long' });
    expect(tooLong.ok ? '' : tooLong.message).toMatch(/too long/);
  });

  it('counts characters, not UTF-16 units, and ignores the trimmed spaces', () => {
    expect(checkDisplayName('😀'.repeat(64)).ok).toBe(true);
    expect(checkDisplayName('😀'.repeat(65)).ok).toBe(false);
    expect(checkDisplayName(`  ${'b'.repeat(64)}  `).ok).toBe(true);
  });

  it('refuses control characters inside the name', () => {
    expect(checkDisplayName('Al\u0000ice')).toMatchObject({ problem: 'control_characters' });
    expect(checkDisplayName('Al\nice')).toMatchObject({ problem: 'control_characters' });
    expect(checkDisplayName('Al\u007fice')).toMatchObject({ problem: 'control_characters' });
    expect(checkDisplayName('Al\u0085ice')).toMatchObject({ problem: 'control_characters' });
  });

  it('accepts names in any script', () => {
    expect(checkDisplayName('Zoë Ångström')).toEqual({ ok: true, name: 'Zoë Ångström' });
    expect(checkDisplayName('山田 太郎').ok).toBe(true);
  });
});
