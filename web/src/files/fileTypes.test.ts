import { describe, expect, it } from 'vitest';
import { blockedListText, blockedTypeOf, lastExtension, notAllowedText } from './fileTypes';

const blocked = ['.exe', 'application/x-msdownload', 'video/*'];

describe('blockedTypeOf', () => {
  it('refuses by extension, whatever its case', () => {
    expect(blockedTypeOf({ name: 'setup.EXE', type: '' }, blocked)).toBe('.exe');
    expect(blockedTypeOf({ name: 'setup.exe', type: 'application/octet-stream' }, blocked)).toBe('.exe');
    expect(blockedTypeOf({ name: 'a.exe', type: '' }, ['.EXE'])).toBe('.exe');
  });

  it('looks at the last extension only', () => {
    expect(blockedTypeOf({ name: 'setup.exe.txt', type: 'text/plain' }, blocked)).toBeNull();
    expect(blockedTypeOf({ name: 'notes.txt.exe', type: '' }, blocked)).toBe('.exe');
    expect(blockedTypeOf({ name: 'exe', type: '' }, blocked)).toBeNull();
    expect(blockedTypeOf({ name: '.exe', type: '' }, blocked)).toBeNull();
  });

  it('refuses an exact MIME type, parameters and case aside', () => {
    expect(blockedTypeOf({ name: 'tool.bin', type: 'application/x-msdownload' }, blocked)).toBe('application/x-msdownload');
    expect(blockedTypeOf({ name: 'tool', type: 'Application/X-MSDownload; charset=binary' }, blocked)).toBe(
      'application/x-msdownload',
    );
    expect(blockedTypeOf({ name: 'tool.bin', type: 'application/x-msdownloads' }, blocked)).toBeNull();
  });

  it('refuses a whole family with type/*, naming the type of the file as the server does', () => {
    expect(blockedTypeOf({ name: 'clip.mp4', type: 'video/mp4' }, blocked)).toBe('video/mp4');
    expect(blockedTypeOf({ name: 'clip.webm', type: 'VIDEO/WEBM' }, blocked)).toBe('video/webm');
    expect(blockedTypeOf({ name: 'song.mp3', type: 'audio/mpeg' }, blocked)).toBeNull();
    expect(blockedTypeOf({ name: 'videos.zip', type: 'application/zip' }, blocked)).toBeNull();
  });

  it('lets everything through when nothing is blocked', () => {
    expect(blockedTypeOf({ name: 'setup.exe', type: 'application/x-msdownload' }, [])).toBeNull();
  });
});

describe('lastExtension', () => {
  it('is the part after the last dot of the last path part', () => {
    expect(lastExtension('archive.tar.GZ')).toBe('.gz');
    expect(lastExtension('dir.d/readme')).toBe('');
    expect(lastExtension('C:\\x\\run.BAT')).toBe('.bat');
    expect(lastExtension('name.')).toBe('');
  });
});

describe('the words', () => {
  it('match the server', () => {
    expect(notAllowedText('.exe')).toBe('Files of type .exe are not allowed in this room');
    expect(blockedListText(['.exe', 'video/*'])).toBe('Not allowed in this room: .exe, video/*');
    expect(blockedListText([])).toBeNull();
  });
});
