import { describe, expect, it } from 'vitest';
import { sharedFile } from './fakes';
import { mergeFiles, newestFirst, unseenFiles } from './fileList';

const one = sharedFile('one', '2026-11-25T10:00:00Z');
const two = sharedFile('two', '2026-11-25T10:05:00Z');
const three = sharedFile('three', '2026-11-25T10:10:00Z');

describe('mergeFiles', () => {
  it('keeps one entry per id, oldest first, whatever order they arrive in', () => {
    expect(mergeFiles([], [two, one]).map((f) => f.id)).toEqual(['one', 'two']);
    expect(mergeFiles([one, three], [two, three]).map((f) => f.id)).toEqual(['one', 'two', 'three']);
    expect(mergeFiles([one], [one, one]).map((f) => f.id)).toEqual(['one']);
  });

  it('returns the same array when nothing is new, so nothing re-renders', () => {
    const files = [one, two];
    expect(mergeFiles(files, [])).toBe(files);
    expect(mergeFiles(files, [{ ...two }])).toBe(files);
  });

  it('takes the newer copy of a known file', () => {
    const renamed = { ...one, uploader: { id: 'a', displayName: 'Alice B.' } };
    expect(mergeFiles([one, two], [renamed])).toEqual([renamed, two]);
  });

  it('keeps arrival order for files shared at the same instant, and puts unreadable times last', () => {
    const same = sharedFile('same', one.createdAt);
    const undated = sharedFile('undated', '');
    expect(mergeFiles([one], [undated, same, two]).map((f) => f.id)).toEqual(['one', 'same', 'two', 'undated']);
  });
});

describe('unseenFiles', () => {
  it('lists what the known list lacks, once each', () => {
    expect(unseenFiles([one], [one, two, two, three]).map((f) => f.id)).toEqual(['two', 'three']);
    expect(unseenFiles([one, two], [two])).toEqual([]);
  });
});

describe('newestFirst', () => {
  it('puts the newest on top without touching the stored order', () => {
    const files = [one, two, three];
    expect(newestFirst(files).map((f) => f.id)).toEqual(['three', 'two', 'one']);
    expect(files.map((f) => f.id)).toEqual(['one', 'two', 'three']);
  });
});
