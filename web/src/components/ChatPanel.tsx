import { useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ChatMessage, Member } from '../api/types';
import { chatLengthNote, checkChatText, composerKeyAction, MAX_CHAT_LENGTH } from '../lib/chatText';
import { linkify } from '../lib/linkify';
import { useNow } from '../files/hooks';
import { commandErrorText, loadOlderMessages, sendChat } from '../store/roomCommands';
import { useRoom, type ChatHistory } from '../store/roomStore';
import { Icon } from './icons';

/** "14:05" today, "3 Nov, 14:05" another day; '' when the time cannot be read. */
export function messageTime(createdAt: string, now: number): string {
  const time = Date.parse(createdAt);
  if (Number.isNaN(time)) return '';
  const date = new Date(time);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  return date.toLocaleString(undefined, options);
}

/** The message's text: plain text (React escapes it), http(s) links as links that open a new tab. */
export function MessageText({ text }: { text: string }) {
  return (
    <p className="chat-text">
      {linkify(text).map((part, index) =>
        part.kind === 'link' ? (
          <a key={index} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </p>
  );
}

function authorName(message: ChatMessage, members: Member[]): string {
  return message.displayName || members.find((m) => m.id === message.memberId)?.displayName || 'Someone';
}

export function ChatMessageRow({
  message,
  members,
  selfId,
  now,
}: {
  message: ChatMessage;
  members: Member[];
  selfId: string | null;
  now: number;
}) {
  const mine = message.memberId === selfId;
  const when = messageTime(message.createdAt, now);
  const sentAt = Date.parse(message.createdAt);
  return (
    <li className={`chat-message${mine ? ' chat-message-mine' : ''}`} data-message-id={message.id}>
      <p className="chat-meta">
        <span className="chat-author">{mine ? 'You' : authorName(message, members)}</span>
        {when !== '' && (
          <>
            <span className="visually-hidden">, </span>
            <time dateTime={message.createdAt} title={Number.isNaN(sentAt) ? undefined : new Date(sentAt).toLocaleString()}>
              {when}
            </time>
          </>
        )}
      </p>
      <MessageText text={message.text} />
    </li>
  );
}

/** The history, oldest first (newest at the bottom, where the eye is after sending). */
export function ChatMessageList({
  messages,
  members,
  selfId,
  now,
}: {
  messages: ChatMessage[];
  members: Member[];
  selfId: string | null;
  now: number;
}) {
  if (messages.length === 0) {
    return <p className="chat-empty muted">No messages yet. Messages stay here for everyone who joins the room later.</p>;
  }
  return (
    <ol className="chat-list" aria-label="Messages">
      {messages.map((message) => (
        <ChatMessageRow key={message.id} message={message} members={members} selfId={selfId} now={now} />
      ))}
    </ol>
  );
}

/** Above the history: "Load older messages" (for the keyboard; scrolling up does the same), progress, problems. */
export function OlderMessages({ history, onLoad }: { history: ChatHistory; onLoad(): void }) {
  if (history.loading) {
    return (
      <p className="chat-older muted" role="status">
        <span className="spinner" aria-hidden="true" />
        Loading older messages…
      </p>
    );
  }
  if (!history.hasOlder) return null;
  return (
    <div className="chat-older">
      {history.error !== null && (
        <p className="form-error" role="alert">
          {history.error}
        </p>
      )}
      <button type="button" className="button secondary small" onClick={onLoad}>
        {history.error === null ? 'Load older messages' : 'Try loading older messages again'}
      </button>
    </div>
  );
}

/** The composer's keydown: Enter sends (the form's submit), Shift+Enter keeps its new line. */
export function handleComposerKeyDown(
  event: Pick<KeyboardEvent<HTMLTextAreaElement>, 'key' | 'shiftKey' | 'preventDefault'> & { nativeEvent?: { isComposing?: boolean } },
  submit: () => void,
): void {
  if (composerKeyAction({ key: event.key, shiftKey: event.shiftKey, isComposing: event.nativeEvent?.isComposing }) !== 'send') {
    return;
  }
  event.preventDefault();
  submit();
}

/**
 * The "Message" field and "Send". Nothing blank is sent; past 4,000 characters it says so
 * instead of sending. The text stays in the field until the server has it.
 */
export function ChatComposer({ send }: { send(text: string): Promise<unknown> }) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const note = chatLengthNote(text);
  const describedBy = [note !== null ? `${id}-length` : '', error !== null ? `${id}-error` : ''].filter(Boolean).join(' ');

  async function submit() {
    if (sending) return;
    const check = checkChatText(text);
    if (!check.ok) {
      setError(check.reason === 'empty' ? null : check.message);
      return;
    }
    setSending(true);
    setError(null);
    try {
      await send(check.text);
      setText('');
    } catch (failure) {
      setError(commandErrorText(failure));
    } finally {
      setSending(false);
      field.current?.focus();
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit();
  }

  return (
    <form className="chat-composer" onSubmit={onSubmit} noValidate>
      <label htmlFor={`${id}-message`} className="chat-composer-label">
        Message
      </label>
      <div className="chat-composer-row">
        <textarea
          ref={field}
          id={`${id}-message`}
          className="chat-input"
          rows={2}
          value={text}
          placeholder="Write to everyone in the room"
          aria-describedby={describedBy === '' ? undefined : describedBy}
          aria-invalid={error !== null || undefined}
          onChange={(event) => {
            setText(event.target.value);
            if (error !== null) setError(null);
          }}
          onKeyDown={(event) => handleComposerKeyDown(event, () => void submit())}
        />
        <button type="submit" className="button primary chat-send" aria-busy={sending || undefined}>
          <Icon name="send" className="icon icon-small" />
          Send
        </button>
      </div>
      <p className="chat-hint muted" aria-hidden="true">
        Enter sends, Shift+Enter starts a new line.
      </p>
      {note !== null && (
        <p id={`${id}-length`} className={`chat-length${text.length > MAX_CHAT_LENGTH ? ' chat-length-over' : ''}`} aria-live="polite">
          {note}
        </p>
      )}
      {error !== null && (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Pixels from the bottom within which the history counts as scrolled to the newest. */
const AT_BOTTOM = 32;
/** Pixels from the top at which scrolling asks for older messages. */
const NEAR_TOP = 8;

/** The Chat tab: older messages on scroll up, the history, the composer. */
export function ChatPanel() {
  const messages = useRoom((s) => s.messages);
  const members = useRoom((s) => s.members);
  const selfId = useRoom((s) => s.selfId);
  const history = useRoom((s) => s.chatHistory);
  const open = useRoom((s) => s.chatOpen);
  const now = useNow();
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seen = useRef<{ first: string | undefined; last: string | undefined; height: number }>({
    first: undefined,
    last: undefined,
    height: 0,
  });

  // Keep the view where the reader is: older messages put above do not move what is on
  // screen; a new one scrolls into view only when the reader was already at the newest
  // (or wrote it).
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const before = seen.current;
    const first = messages[0]?.id;
    const last = messages.at(-1)?.id;
    if (before.first !== undefined && first !== before.first && last === before.last) {
      element.scrollTop += element.scrollHeight - before.height;
    } else if (last !== before.last && (atBottom.current || messages.at(-1)?.memberId === selfId)) {
      element.scrollTop = element.scrollHeight;
    }
    seen.current = { first, last, height: element.scrollHeight };
  }, [messages, selfId]);

  // A hidden tab has no size: on opening, show the newest (unless the reader had scrolled up).
  useLayoutEffect(() => {
    const element = scroller.current;
    if (open && element !== null && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [open]);

  function onScroll() {
    const element = scroller.current;
    if (element === null || element.clientHeight === 0) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM;
    seen.current.height = element.scrollHeight;
    if (element.scrollTop <= NEAR_TOP && history.hasOlder && !history.loading && history.error === null) {
      void loadOlderMessages();
    }
  }

  return (
    <div className="chat-panel">
      <div className="chat-history" ref={scroller} onScroll={onScroll} tabIndex={0} role="region" aria-label="Chat history">
        <OlderMessages history={history} onLoad={() => void loadOlderMessages()} />
        <ChatMessageList messages={messages} members={members} selfId={selfId} now={now} />
      </div>
      <ChatComposer send={sendChat} />
    </div>
  );
}
