import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { tooLargeText, uploadProblem } from './problems';

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
});
