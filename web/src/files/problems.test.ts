import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { notAllowedProblem, tooLargeText, uploadProblem } from './problems';

describe('upload problems in words', () => {
  it('names the file and the server\'s limit when a file is too large', () => {
    expect(tooLargeText('film.mkv', 'Files can be at most 100 MiB')).toBe('film.mkv is too large: files can be at most 100 MiB.');
    // A proxy in front answered with a bare 413: no limit to quote.
    expect(tooLargeText('film.mkv', 'HTTP 413')).toBe('film.mkv is too large to share here.');
    expect(uploadProblem(new ApiError('payload_too_large', 'HTTP 413', 413), 'film.mkv')).toEqual({
      kind: 'too-large',
      text: 'film.mkv is too large to share here.',
      retryable: false,
    });
  });

  it('a file that cannot be read any more (moved, deleted) can be retried', () => {
    expect(uploadProblem(new DOMException('gone', 'NotReadableError'), 'a.txt')).toEqual({
      kind: 'failed',
      text: 'Upload failed: the file could not be read. It may have been moved or changed.',
      retryable: true,
    });
  });

  it('passes on why the server refused the declaration', () => {
    expect(uploadProblem(new ApiError('bad_request', 'filename must not contain control characters', 400), 'x')).toEqual({
      kind: 'failed',
      text: 'Upload failed: filename must not contain control characters.',
      retryable: false,
    });
    expect(uploadProblem(new Error('boom'), 'x').text).toBe('Upload failed.');
  });

  it('says which quota stopped the upload, in the server\'s words', () => {
    const full = new ApiError('quota_exceeded', 'This room already holds 500 files, the most a room may hold', 413);
    expect(uploadProblem(full, 'a.txt')).toEqual({
      kind: 'failed',
      text: 'Upload failed: this room already holds 500 files, the most a room may hold.',
      retryable: true,
    });
    const disk = new ApiError('quota_exceeded', 'The server is low on disk space (it keeps 1 GiB free), so uploads are paused; try again later', 413);
    expect(uploadProblem(disk, 'a.txt').text).toBe(
      'Upload failed: the server is low on disk space (it keeps 1 GiB free), so uploads are paused; try again later.',
    );
    // Never "too large": the file itself is within the limit.
    expect(uploadProblem(full, 'a.txt').kind).toBe('failed');
    expect(uploadProblem(new ApiError('quota_exceeded', 'HTTP 413', 413), 'a.txt').text).toBe(
      'Upload failed: this room has no space left for it.',
    );
  });

  it('a full disk and a second upload to the same link are explained', () => {
    expect(uploadProblem(new ApiError('storage_full', 'HTTP 507', 507), 'a.txt').text).toBe(
      "Upload failed: the server's disk is full. Try again later.",
    );
    expect(uploadProblem(new ApiError('upload_in_progress', 'x', 409), 'a.txt').text).toBe(
      'Upload failed: another upload of this file is still under way.',
    );
  });
});

describe('a file type the room refuses', () => {
  it("shows the server's 415 in its words, without a retry", () => {
    const refused = new ApiError('file_type_not_allowed', 'Files of type video/* are not allowed in this room', 415);
    expect(uploadProblem(refused, 'clip.mp4')).toEqual({
      kind: 'not-allowed',
      text: 'Files of type video/* are not allowed in this room.',
      retryable: false,
    });
  });

  it('a bare 415 from a proxy still names the extension', () => {
    expect(uploadProblem(new ApiError('file_type_not_allowed', 'HTTP 415', 415), 'setup.EXE').text).toBe(
      'Files of type .exe are not allowed in this room.',
    );
    expect(uploadProblem(new ApiError('file_type_not_allowed', 'HTTP 415', 415), 'setup').text).toBe(
      'Files of this type are not allowed in this room.',
    );
  });

  it('the client says the same before sending anything', () => {
    expect(notAllowedProblem('.exe')).toEqual({
      kind: 'not-allowed',
      text: 'Files of type .exe are not allowed in this room.',
      retryable: false,
    });
  });
});
