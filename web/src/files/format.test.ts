import { describe, expect, it } from 'vitest';
import { fileKind, formatSize, KIND_LABEL, relativeTime, uploaderName } from './format';

describe('formatSize', () => {
  it('uses bytes below a kilobyte, then one decimal', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1)).toBe('1 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1.0 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatSize(100 * 1024 * 1024)).toBe('100.0 MB');
    expect(formatSize(1.25 * 1024 ** 3)).toBe('1.3 GB');
    expect(formatSize(3 * 1024 ** 4)).toBe('3.0 TB');
  });

  it('moves to the next unit rather than showing 1024.0', () => {
    expect(formatSize(1024 * 1024 - 1)).toBe('1.0 MB');
    expect(formatSize(1024 * 1024 - 60)).toBe('1023.9 KB');
  });

  it('never shows nonsense for bad input', () => {
    expect(formatSize(Number.NaN)).toBe('0 B');
    expect(formatSize(-5)).toBe('0 B');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-11-25T20:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const MIN = 60_000;

  it('says "just now" for the first minute (and for clocks slightly ahead)', () => {
    expect(relativeTime(ago(0), now)).toBe('just now');
    expect(relativeTime(ago(59_000), now)).toBe('just now');
    expect(relativeTime(ago(-30_000), now)).toBe('just now');
  });

  it('counts minutes, hours, then days', () => {
    expect(relativeTime(ago(MIN), now)).toBe('1 min ago');
    expect(relativeTime(ago(3 * MIN + 20_000), now)).toBe('3 min ago');
    expect(relativeTime(ago(59 * MIN), now)).toBe('59 min ago');
    expect(relativeTime(ago(60 * MIN), now)).toBe('1 h ago');
    expect(relativeTime(ago(23 * 60 * MIN), now)).toBe('23 h ago');
    expect(relativeTime(ago(30 * 60 * MIN), now)).toBe('yesterday');
    expect(relativeTime(ago(3 * 24 * 60 * MIN), now)).toBe('3 days ago');
  });

  it('gives the date after a week, with the year only when it differs', () => {
    expect(relativeTime('2026-11-02T12:00:00Z', now)).toBe('2 Nov');
    expect(relativeTime('2025-06-15T12:00:00Z', now)).toBe('15 Jun 2025');
  });

  it('is empty for a time it cannot read', () => {
    expect(relativeTime('', now)).toBe('');
    expect(relativeTime('yesterday-ish', now)).toBe('');
  });
});

describe('fileKind', () => {
  it('sorts by MIME family', () => {
    expect(fileKind('image/png')).toBe('image');
    expect(fileKind('video/mp4')).toBe('video');
    expect(fileKind('audio/ogg; codecs=opus')).toBe('audio');
    expect(fileKind('application/pdf')).toBe('pdf');
    expect(fileKind('application/zip')).toBe('archive');
    expect(fileKind('application/gzip')).toBe('archive');
    expect(fileKind('text/plain')).toBe('text');
    expect(fileKind('application/json')).toBe('text');
    expect(fileKind('application/vnd.ms-excel')).toBe('other');
  });

  it('falls back to the extension when the browser could not tell', () => {
    expect(fileKind('', 'holiday.JPG')).toBe('image');
    expect(fileKind('application/octet-stream', 'backup.tar.gz')).toBe('archive');
    expect(fileKind('application/octet-stream', 'random.bin')).toBe('other');
    expect(fileKind('', '.bashrc')).toBe('other');
    expect(fileKind('', 'README')).toBe('other');
  });

  it('has words for every kind', () => {
    expect(KIND_LABEL.pdf).toBe('PDF document');
    expect(KIND_LABEL.other).toBe('File');
  });
});

describe('uploaderName', () => {
  it('says "you" for yourself', () => {
    expect(uploaderName({ id: 'a', displayName: 'Alice' }, 'a')).toBe('you');
    expect(uploaderName({ id: 'a', displayName: 'Alice' }, 'b')).toBe('Alice');
    expect(uploaderName({ id: 'a', displayName: '' }, null)).toBe('Someone');
  });
});
