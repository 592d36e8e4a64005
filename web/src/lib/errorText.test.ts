import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { errorText, rateLimitedText } from './errorText';

describe('errorText', () => {
  it('names the unknown room in display form', () => {
    expect(errorText(new ApiError('room_not_found', 'x', 404), 'ZZZZZZZZZZZZ')).toBe(
      'No room has code zzzz-zzzz-zzzz.',
    );
  });

  it('tells how long to wait when rate limited', () => {
    expect(errorText(new ApiError('rate_limited', 'x', 429, 12))).toBe(
      'Too many attempts — try again in 12 seconds.',
    );
    expect(rateLimitedText(1)).toBe('Too many attempts — try again in 1 second.');
    expect(rateLimitedText(null)).toBe('Too many attempts — try again in a minute.');
  });

  it("passes on the server's words when it refuses a name", () => {
    expect(errorText(new ApiError('invalid_display_name', 'display name must not be empty', 400))).toBe(
      'Display name must not be empty.',
    );
  });

  it('explains an unreachable server', () => {
    expect(errorText(new ApiError('unreachable', 'x'))).toMatch(/Can't reach the Parlor server/);
  });

  it('has words for the file codes', () => {
    expect(errorText(new ApiError('payload_too_large', 'Files can be at most 100 MiB', 413))).toBe('Files can be at most 100 MiB.');
    expect(errorText(new ApiError('payload_too_large', '', 413))).toBe('That was too large for the server to accept.');
    expect(errorText(new ApiError('quota_exceeded', 'This room already holds 500 files, the most a room may hold', 413))).toBe(
      'This room already holds 500 files, the most a room may hold.',
    );
    expect(errorText(new ApiError('storage_full', '', 507))).toBe("The server's disk is full. Try again later.");
    expect(errorText(new ApiError('file_not_found', 'x', 404))).toBe('That file is no longer in this room.');
    expect(errorText(new ApiError('upload_expired', 'x', 403))).toBe('The upload link expired.');
  });

  it("says which file type the room refuses, in the server's words", () => {
    const refused = new ApiError('file_type_not_allowed', 'Files of type .exe are not allowed in this room', 415);
    expect(errorText(refused)).toBe('Files of type .exe are not allowed in this room.');
    expect(errorText(new ApiError('file_type_not_allowed', 'HTTP 415', 415))).toBe('Files of this type are not allowed in this room.');
  });
});
