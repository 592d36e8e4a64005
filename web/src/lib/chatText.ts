/**
 * What may be sent as a chat message (protocol.md "Chat"): trimmed, 1 to 4,000 Unicode code
 * points, `\r\n` as `\n`. Checked here so the composer can say so before the server refuses.
 */

export const MAX_CHAT_LENGTH = 4000;
/** From here on the composer shows how many characters are left. */
export const CHAT_LENGTH_WARNING = 3600;

/** The text as the server will store it. */
export function normalizeChatText(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').trim();
}

/** Length in code points, as the server counts it (an emoji is one, not two). */
export function chatLength(raw: string): number {
  return [...normalizeChatText(raw)].length;
}

export type ChatTextCheck = { ok: true; text: string } | { ok: false; reason: 'empty' | 'too-long'; message: string };

const number = (n: number) => n.toLocaleString('en-US');

export function checkChatText(raw: string): ChatTextCheck {
  const text = normalizeChatText(raw);
  const length = [...text].length;
  if (length === 0) return { ok: false, reason: 'empty', message: 'Type a message first.' };
  if (length > MAX_CHAT_LENGTH) {
    return {
      ok: false,
      reason: 'too-long',
      message: `This message is ${number(length)} characters long; messages can be at most ${number(MAX_CHAT_LENGTH)}. Shorten it, or share it as a file.`,
    };
  }
  return { ok: true, text };
}

/** "3,850 of 4,000 characters" near the limit, "120 characters over the limit of 4,000" past it; else null. */
export function chatLengthNote(raw: string): string | null {
  const length = chatLength(raw);
  if (length < CHAT_LENGTH_WARNING) return null;
  if (length <= MAX_CHAT_LENGTH) return `${number(length)} of ${number(MAX_CHAT_LENGTH)} characters`;
  return `${number(length - MAX_CHAT_LENGTH)} characters over the limit of ${number(MAX_CHAT_LENGTH)}`;
}

/** What a key press in the message field does: Enter sends, Shift+Enter (or typing with an IME) does not. */
export function composerKeyAction(event: { key: string; shiftKey: boolean; isComposing?: boolean }): 'send' | null {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing === true) return null;
  return 'send';
}
