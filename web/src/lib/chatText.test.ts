import { describe, expect, it } from 'vitest';
import { chatLength, chatLengthNote, checkChatText, composerKeyAction, MAX_CHAT_LENGTH } from './chatText';
import { linkify } from './linkify';

describe('chat text', () => {
  it('is trimmed, with \\r\\n as \\n; blank text is not sent', () => {
    expect(checkChatText('  hi\r\nthere  ')).toEqual({ ok: true, text: 'hi\nthere' });
    expect(checkChatText(' \n\t ')).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('counts code points like the server: 4,000 emoji fit, 4,001 do not', () => {
    expect(chatLength('👩‍💻')).toBe(3);
    expect(checkChatText('😀'.repeat(MAX_CHAT_LENGTH)).ok).toBe(true);
    const over = checkChatText('😀'.repeat(MAX_CHAT_LENGTH + 1));
    expect(over).toMatchObject({ ok: false, reason: 'too-long' });
    expect(over.ok ? '' : over.message).toBe(
      'This message is 4,001 characters long; messages can be at most 4,000. Shorten it, or share it as a file.',
    );
  });

  it('says how close to the limit the text is, in words, only near it', () => {
    expect(chatLengthNote('a'.repeat(100))).toBeNull();
    expect(chatLengthNote('a'.repeat(3850))).toBe('3,850 of 4,000 characters');
    expect(chatLengthNote('a'.repeat(4012))).toBe('12 characters over the limit of 4,000');
  });

  it('Enter sends; Shift+Enter and Enter while composing (IME) do not', () => {
    expect(composerKeyAction({ key: 'Enter', shiftKey: false })).toBe('send');
    expect(composerKeyAction({ key: 'Enter', shiftKey: true })).toBeNull();
    expect(composerKeyAction({ key: 'Enter', shiftKey: false, isComposing: true })).toBeNull();
    expect(composerKeyAction({ key: 'a', shiftKey: false })).toBeNull();
  });
});

describe('linkify', () => {
  it('turns http(s) URLs into links and leaves the rest as text', () => {
    expect(linkify('see https://example.com/a?b=1, then http://x.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', then ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps a bracket that belongs to the link, drops one that closes the sentence', () => {
    expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar))')[1]).toMatchObject({
      text: 'https://en.wikipedia.org/wiki/Foo_(bar)',
    });
  });

  it('never links other schemes or markup', () => {
    expect(linkify('javascript:alert(1) <a href="https://x">x</a>')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) <a href="' },
      { kind: 'link', text: 'https://x', href: 'https://x/' },
      { kind: 'text', text: '">x</a>' },
    ]);
    expect(linkify('plain text')).toEqual([{ kind: 'text', text: 'plain text' }]);
    expect(linkify('https://')).toEqual([{ kind: 'text', text: 'https://' }]);
  });
});
