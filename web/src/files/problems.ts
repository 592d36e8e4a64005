/** Why an upload stopped, in words (ui.md: "file too large, upload failed (with retry)"). */
import { ApiError } from '../api/http';
import { rateLimitedText, UNREACHABLE_TEXT } from '../lib/errorText';
import { lastExtension, notAllowedText } from './fileTypes';

export interface UploadProblem {
  /**
   * `too-large`, `expired` and `not-allowed` (the room's file type policy) have their own
   * wording; everything else is `failed`.
   */
  kind: 'too-large' | 'expired' | 'not-allowed' | 'failed';
  /** The sentence the upload's row shows. */
  text: string;
  /** Whether "Retry" can help (it cannot make a file smaller). */
  retryable: boolean;
}

function lowerFirst(text: string): string {
  return text === '' ? text : text[0]!.toLowerCase() + text.slice(1);
}

function withPeriod(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * "<name> is too large: files can be at most 100 MiB." The server's message names its limit;
 * a bare status (a proxy answered) gives the sentence without it.
 */
export function tooLargeText(filename: string, serverMessage: string): string {
  const message = serverMessage.trim();
  if (message === '' || /^HTTP \d+$/.test(message)) return `${filename} is too large to share here.`;
  return `${filename} is too large: ${withPeriod(lowerFirst(message))}`;
}

/** The server's own sentence, unless a proxy answered with a bare status. */
function serverWords(message: string): string | null {
  const trimmed = message.trim();
  return trimmed === '' || /^HTTP \d+$/.test(trimmed) ? null : trimmed;
}

function failed(detail: string | null, retryable = true): UploadProblem {
  return { kind: 'failed', text: detail === null ? 'Upload failed.' : `Upload failed: ${lowerFirst(withPeriod(detail))}`, retryable };
}

/** "Files of type .exe are not allowed in this room." Sending it again cannot help. */
export function notAllowedProblem(type: string): UploadProblem {
  return { kind: 'not-allowed', text: withPeriod(notAllowedText(type)), retryable: false };
}

export function uploadProblem(error: unknown, filename: string): UploadProblem {
  if (error instanceof DOMException && (error.name === 'NotReadableError' || error.name === 'NotFoundError')) {
    return failed('the file could not be read. It may have been moved or changed');
  }
  if (!(error instanceof ApiError)) return failed(null);
  switch (error.code) {
    case 'payload_too_large':
      return { kind: 'too-large', text: tooLargeText(filename, error.message), retryable: false };
    case 'upload_expired':
      return { kind: 'expired', text: 'The upload link expired.', retryable: true };
    case 'file_type_not_allowed': {
      // The server's sentence names the type; a bare 415 (a proxy) still says which file.
      const words = serverWords(error.message);
      if (words !== null) return { kind: 'not-allowed', text: withPeriod(words), retryable: false };
      const extension = lastExtension(filename);
      if (extension !== '') return notAllowedProblem(extension);
      return { kind: 'not-allowed', text: 'Files of this type are not allowed in this room.', retryable: false };
    }
    case 'checksum_mismatch':
      return failed('the file changed while it was being uploaded');
    case 'upload_incomplete':
      return failed('the server did not receive the whole file');
    case 'quota_exceeded':
      // The server's message names the limit: the room's files or bytes, or its disk.
      return failed(serverWords(error.message) ?? 'this room has no space left for it');
    case 'storage_full':
      return failed(serverWords(error.message) ?? "the server's disk is full. Try again later");
    case 'upload_in_progress':
      return failed('another upload of this file is still under way');
    case 'rate_limited':
      return failed(rateLimitedText(error.retryAfterSeconds));
    case 'unreachable':
      return failed(UNREACHABLE_TEXT);
    case 'unauthorized':
    case 'forbidden':
      return failed('you are no longer in this room. Join it again to share files', false);
    case 'bad_request':
      return failed(error.message === '' || /^HTTP \d+$/.test(error.message) ? null : error.message, false);
    default:
      return failed(null);
  }
}
