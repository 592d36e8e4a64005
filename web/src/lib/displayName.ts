/**
 * Display names follow the server's rule (protocol.md): 1–64 characters after trimming and
 * no control characters. The client checks the same rule so people get an answer before
 * a round trip; the server remains the authority and its message is shown if it refuses.
 */

export const MAX_DISPLAY_NAME_LENGTH = 64;

export type DisplayNameProblem = 'empty' | 'too_long' | 'control_characters';

export type DisplayNameCheck =
  | { ok: true; name: string }
  | { ok: false; problem: DisplayNameProblem; message: string };

// C0 controls, DEL and C1 controls (Unicode general category Cc).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Length in characters (code points), so an emoji counts once, as the server counts it. */
export function characterCount(text: string): number {
  return Array.from(text).length;
}

export function checkDisplayName(raw: string): DisplayNameCheck {
  const name = raw.trim();
  if (name === '') {
    return { ok: false, problem: 'empty', message: 'Enter your name so others know who you are.' };
  }
  const length = characterCount(name);
  if (length > MAX_DISPLAY_NAME_LENGTH) {
    return {
      ok: false,
      problem: 'too_long',
      message: `That name is too long: ${length} characters, and the limit is ${MAX_DISPLAY_NAME_LENGTH}.`,
    };
  }
  if (CONTROL_CHARACTERS.test(name)) {
    return {
      ok: false,
      problem: 'control_characters',
      message: 'That name contains invisible control characters. Type it again without them.',
    };
  }
  return { ok: true, name };
}
