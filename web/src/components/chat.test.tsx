/** What the Chat tab, People with host controls and raised hands, and the header render (static markup). */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage, Member } from '../api/types';
import { ChatComposer, ChatMessageList, handleComposerKeyDown, MessageText, OlderMessages } from './ChatPanel';
import { MemberRowView, PeopleList, type MemberRowViewProps } from './MemberList';
import { RoomClosedCard } from './RoomClosedCard';
import { HeaderRoomControlsView, type HeaderRoomControlsViewProps } from './RoomControls';
import { TabBadges } from './SidePanel';
import { TileHand } from './VideoGrid';

const text = (html: string) => html.replace(/<[^>]+>/g, '');

const alice: Member = { id: 'a', displayName: 'Alice', joinedAt: '2026-01-01T00:00:00Z', online: true, handRaisedAt: null };
const bob: Member = { id: 'b', displayName: 'Bob', joinedAt: '2026-01-01T00:01:00Z', online: true, handRaisedAt: null };
const carol: Member = { id: 'c', displayName: 'Carol', joinedAt: '2026-01-01T00:02:00Z', online: false, handRaisedAt: null };

const message = (id: string, memberId: string, body: string, displayName = 'Bob'): ChatMessage => ({
  id,
  memberId,
  displayName,
  text: body,
  createdAt: '2026-01-01T10:05:00Z',
});

describe('a chat message', () => {
  it('shows HTML as text, never as markup', () => {
    const html = renderToStaticMarkup(<MessageText text={'<img src=x onerror=alert(1)> <b>bold</b>'} />);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text(html)).toBe('&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;bold&lt;/b&gt;');
  });

  it('makes http(s) links anchors that open a new tab with noopener noreferrer nofollow', () => {
    const html = renderToStaticMarkup(<MessageText text="notes at https://example.com/doc?id=1. thanks" />);
    expect(html).toContain(
      '<a href="https://example.com/doc?id=1" target="_blank" rel="noopener noreferrer nofollow">https://example.com/doc?id=1</a>',
    );
    expect(text(html)).toBe('notes at https://example.com/doc?id=1. thanks');
    expect(renderToStaticMarkup(<MessageText text="javascript:alert(1)" />)).not.toContain('<a');
  });

  it('the history shows each author and time, "You" for ours, oldest first', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const html = renderToStaticMarkup(
      <ChatMessageList
        messages={[message('m1', 'b', 'hello'), message('m2', 'a', 'hi Bob', 'Alice')]}
        members={[alice, bob]}
        selfId="a"
        now={now}
      />,
    );
    expect(html).toContain('aria-label="Messages"');
    expect(html).toMatch(/datetime="2026-01-01T10:05:00Z"/i);
    const plain = text(html);
    expect(plain.indexOf('Bob')).toBeLessThan(plain.indexOf('hello'));
    expect(plain.indexOf('hello')).toBeLessThan(plain.indexOf('You'));
    expect(plain).toContain('hi Bob');
  });

  it('a message of someone who left still names them', () => {
    const html = renderToStaticMarkup(
      <ChatMessageList messages={[message('m1', 'gone', 'bye', 'Dora')]} members={[alice]} selfId="a" now={Date.now()} />,
    );
    expect(text(html)).toContain('Dora');
  });

  it('an empty chat says so', () => {
    const html = renderToStaticMarkup(<ChatMessageList messages={[]} members={[]} selfId="a" now={Date.now()} />);
    expect(text(html)).toContain('No messages yet.');
  });
});

describe('the composer', () => {
  it('has a "Message" field (labelled) and a "Send" button', () => {
    const html = renderToStaticMarkup(<ChatComposer send={async () => {}} />);
    expect(html).toMatch(/<label for="([^"]+)"[^>]*>Message<\/label>.*<textarea[^>]* id="\1"/);
    expect(html).toMatch(/<button type="submit"[^>]*>.*Send<\/button>/);
  });

  it('Enter sends and keeps the newline out; Shift+Enter leaves the newline to the field', () => {
    const submit = vi.fn();
    const enter = { key: 'Enter', shiftKey: false, preventDefault: vi.fn() };
    handleComposerKeyDown(enter, submit);
    expect(submit).toHaveBeenCalledTimes(1);
    expect(enter.preventDefault).toHaveBeenCalled();
    const shiftEnter = { key: 'Enter', shiftKey: true, preventDefault: vi.fn() };
    handleComposerKeyDown(shiftEnter, submit);
    expect(submit).toHaveBeenCalledTimes(1);
    expect(shiftEnter.preventDefault).not.toHaveBeenCalled();
    const composing = { key: 'Enter', shiftKey: false, preventDefault: vi.fn(), nativeEvent: { isComposing: true } };
    handleComposerKeyDown(composing, submit);
    expect(submit).toHaveBeenCalledTimes(1);
  });

  it('offers "Load older messages" while there are older ones, and says when they are loading', () => {
    const idle = renderToStaticMarkup(<OlderMessages history={{ hasOlder: true, loading: false, error: null }} onLoad={() => {}} />);
    expect(idle).toMatch(/<button[^>]*>Load older messages<\/button>/);
    const loading = renderToStaticMarkup(<OlderMessages history={{ hasOlder: true, loading: true, error: null }} onLoad={() => {}} />);
    expect(text(loading)).toContain('Loading older messages…');
    const failed = renderToStaticMarkup(
      <OlderMessages history={{ hasOlder: true, loading: false, error: "Couldn't load older messages." }} onLoad={() => {}} />,
    );
    expect(failed).toContain('role="alert"');
    expect(renderToStaticMarkup(<OlderMessages history={{ hasOlder: false, loading: false, error: null }} onLoad={() => {}} />)).toBe('');
  });
});

describe('tab badges', () => {
  it('the Chat tab shows the unread count in words, and nothing when all is read', () => {
    const html = renderToStaticMarkup(<TabBadges tab="chat" count={0} unread={2} hands={0} />);
    expect(text(html)).toBe('2, 2 unread messages');
    expect(renderToStaticMarkup(<TabBadges tab="chat" count={0} unread={0} hands={0} />)).toBe('');
  });

  it('People and Files have counts with words, People the raised hands too', () => {
    expect(text(renderToStaticMarkup(<TabBadges tab="people" count={1} unread={0} hands={0} />))).toBe('1, 1 person');
    expect(text(renderToStaticMarkup(<TabBadges tab="people" count={3} unread={0} hands={2} />))).toBe(
      '3, 3 people2, 2 hands raised',
    );
    expect(text(renderToStaticMarkup(<TabBadges tab="files" count={5} unread={9} hands={9} />))).toBe('5, 5 files');
  });
});

describe('People with host controls and raised hands', () => {
  const removeButtons = (html: string) => [...html.matchAll(/aria-label="Remove ([^"]+)"/g)].map((m) => m[1]);

  it('the room\'s creator sees "Remove <name>" on each other person, never on themselves', () => {
    const html = renderToStaticMarkup(<PeopleList members={[alice, bob, carol]} selfId="a" call={null} createdBy="a" />);
    expect(removeButtons(html)).toEqual(['Bob', 'Carol']);
  });

  it('nobody else sees host controls', () => {
    const raised = { ...carol, handRaisedAt: '2026-01-01T00:05:00Z' };
    const html = renderToStaticMarkup(<PeopleList members={[alice, bob, raised]} selfId="b" call={null} createdBy="a" />);
    expect(removeButtons(html)).toEqual([]);
    expect(text(html)).not.toContain('Lower hand');
  });

  it('raised hands come first in the order raised, each marked "Hand raised"; the creator can lower them', () => {
    const members = [
      alice,
      { ...bob, handRaisedAt: '2026-01-01T00:09:00Z' },
      { ...carol, handRaisedAt: '2026-01-01T00:04:00Z' },
    ];
    const html = renderToStaticMarkup(<PeopleList members={members} selfId="a" call={null} createdBy="a" />);
    const order = [...html.matchAll(/data-member-id="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['c', 'b', 'a']);
    expect(html.match(/Hand raised<\/span>/g)).toHaveLength(2);
    expect(text(html)).toContain('Lower hand for Carol');
    expect(text(html)).toContain('Lower hand for Bob');
  });

  it('"Remove <name>" asks first, in place: "Remove" and "Cancel"', () => {
    const props: MemberRowViewProps = {
      member: bob,
      isSelf: false,
      inCall: false,
      canManage: true,
      confirmingRemove: true,
      busy: false,
      problem: null,
      onAskRemove: () => {},
      onConfirmRemove: () => {},
      onCancelRemove: () => {},
      onLowerHand: () => {},
    };
    const asking = renderToStaticMarkup(<MemberRowView {...props} />);
    expect(asking).toContain('role="group" aria-label="Remove Bob?"');
    expect(text(asking)).toContain('Remove Bob from the room?');
    expect(asking).toMatch(/<button[^>]*>Remove<\/button>/);
    expect(asking).toMatch(/<button[^>]*>Cancel<\/button>/);
    expect(asking).not.toContain('aria-label="Remove Bob"');
    const failed = renderToStaticMarkup(
      <MemberRowView {...props} confirmingRemove={false} problem="That person is not in this room." />,
    );
    expect(failed).toContain('aria-label="Remove Bob"');
    expect(failed).toContain('role="alert"');
    expect(text(failed)).toContain('That person is not in this room.');
  });
});

describe('the room header\'s controls', () => {
  const props: HeaderRoomControlsViewProps = {
    locked: false,
    isCreator: true,
    showHand: true,
    handRaised: false,
    lockBusy: false,
    handBusy: false,
    problem: null,
    onToggleLock: () => {},
    onToggleHand: () => {},
  };
  const render = (overrides: Partial<HeaderRoomControlsViewProps>) =>
    text(renderToStaticMarkup(<HeaderRoomControlsView {...props} {...overrides} />));

  it('the creator locks and unlocks; everyone sees "Locked"', () => {
    expect(render({})).toContain('Lock room');
    expect(render({})).not.toContain('Locked');
    expect(render({ locked: true })).toContain('Unlock room');
    expect(render({ locked: true })).toContain('Locked');
    expect(render({ isCreator: false })).not.toContain('Lock room');
    expect(render({ isCreator: false, locked: true })).toContain('Locked');
    expect(render({ isCreator: false, locked: true })).not.toContain('Unlock room');
  });

  it('"Raise hand"/"Lower hand" outside a call, and problems in words', () => {
    expect(render({})).toContain('Raise hand');
    expect(render({ handRaised: true })).toContain('Lower hand');
    expect(render({ showHand: false })).not.toContain('hand');
    expect(render({ problem: 'You are sending messages too fast.' })).toContain('You are sending messages too fast.');
  });

  it('a tile with a raised hand says so', () => {
    expect(text(renderToStaticMarkup(<TileHand />))).toBe('Hand raised');
  });
});

describe('a room that is shut to us', () => {
  it('removed: says so, with a link back to the start page and no way back in', () => {
    const html = renderToStaticMarkup(<RoomClosedCard reason="removed" />);
    expect(text(html)).toContain('You were removed from this room');
    expect(html).toMatch(/<a[^>]*href="\/"[^>]*>Go to the start page<\/a>/);
    expect(text(html)).not.toContain('Try again');
  });

  it('locked: says so, and offers to try again', () => {
    const html = renderToStaticMarkup(<RoomClosedCard reason="locked" />);
    expect(text(html)).toContain('This room is locked');
    expect(html).toMatch(/<button[^>]*>Try again<\/button>/);
  });
});
