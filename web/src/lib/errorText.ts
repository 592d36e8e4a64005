/** Every failure a person can meet, in words (ui.md: "Errors in words, where they happen"). */
import { ApiError } from '../api/http';
import { formatRoomCode } from './roomCode';

export const UNREACHABLE_TEXT = "Can't reach the Parlor server. Check your connection, then try again.";

export const ROOM_LOCKED_TEXT = 'This room is locked. Only people who are already in it can come back.';
export const REMOVED_TEXT = 'You were removed from this room.';

export function rateLimitedText(retryAfterSeconds: number | null): string {
  if (retryAfterSeconds === null) return 'Too many attempts — try again in a minute.';
  const seconds = Math.max(1, retryAfterSeconds);
  return `Too many attempts — try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

export function unknownRoomText(code: string): string {
  return `No room has code ${formatRoomCode(code)}.`;
}

function sentence(message: string): string {
  const text = message.trim();
  if (text === '') return text;
  const capital = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Words for any error thrown by an API call. `code` is the room it was about, if any. */
export function errorText(error: unknown, code?: string): string {
  if (!(error instanceof ApiError)) return 'Something went wrong in this page. Reload it and try again.';
  switch (error.code) {
    case 'room_not_found':
      return code ? unknownRoomText(code) : sentence(error.message);
    case 'rate_limited':
      return rateLimitedText(error.retryAfterSeconds);
    case 'unreachable':
      return UNREACHABLE_TEXT;
    case 'invalid_display_name':
      return sentence(error.message) || 'The server did not accept that name.';
    case 'room_locked':
      return ROOM_LOCKED_TEXT;
    case 'token_revoked':
      return REMOVED_TEXT;
    case 'unauthorized':
      return 'Your place in this room has ended. Join again to come back in.';
    case 'forbidden':
      return 'That link belongs to a different room. Join this room with your name.';
    case 'payload_too_large':
      return sentence(error.message) || 'That was too large for the server to accept.';
    case 'file_not_found':
      return 'That file is no longer in this room.';
    case 'upload_incomplete':
      return 'The server did not receive the whole file.';
    case 'checksum_mismatch':
      return 'The file changed while it was being uploaded.';
    case 'upload_expired':
      return 'The upload link expired.';
    case 'quota_exceeded':
      return sentence(error.message) || 'There is no space left for that file here.';
    case 'storage_full':
      return sentence(error.message) || "The server's disk is full. Try again later.";
    case 'upload_in_progress':
      return 'Another upload of this file is still under way.';
    case 'file_type_not_allowed':
      // The server's sentence names the type; a proxy's bare status does not.
      return /^HTTP \d+$/.test(error.message.trim()) || error.message.trim() === ''
        ? 'Files of this type are not allowed in this room.'
        : sentence(error.message);
    case 'bad_request':
      return sentence(error.message) || 'The server did not understand that request.';
    case 'unavailable':
    case 'internal':
    case 'bad_response':
      return 'Something went wrong on the Parlor server. Try again in a moment.';
  }
}
