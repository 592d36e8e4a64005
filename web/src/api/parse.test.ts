import { describe, expect, it } from 'vitest';
import { ApiError } from './http';
import { parseMessageListBody, parseRoomSnapshot } from './parse';
import { wireSnapshot } from './wireFixtures';

/** A snapshot as a server from before chat, locks and hands sends it. */
const older = { ...wireSnapshot, seq: 3 };

const message = { id: 'm1', memberId: 'a', displayName: 'Alice', text: 'hello', createdAt: '2026-01-01T00:01:00Z' };

describe('the room snapshot', () => {
  it('from an older server: unlocked, no messages, no blocked types, hands down', () => {
    const snapshot = parseRoomSnapshot(older);
    expect(snapshot.room.locked).toBe(false);
    expect(snapshot.messages).toEqual([]);
    expect(snapshot.blockedFileTypes).toEqual([]);
    expect(snapshot.members[0]?.handRaisedAt).toBeNull();
  });

  it('reads locked, messages (oldest first, bad entries left out), blocked types and raised hands', () => {
    const snapshot = parseRoomSnapshot({
      ...older,
      room: { ...older.room, locked: true },
      members: [{ ...older.members[0], handRaisedAt: '2026-01-01T00:02:00Z' }],
      messages: [message, { id: 'broken' }, { ...message, id: 'm2', text: 'second' }],
      blockedFileTypes: ['.exe', 'video/*', 7],
    });
    expect(snapshot.room.locked).toBe(true);
    expect(snapshot.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(snapshot.messages[0]).toEqual(message);
    expect(snapshot.blockedFileTypes).toEqual(['.exe', 'video/*']);
    expect(snapshot.members[0]?.handRaisedAt).toBe('2026-01-01T00:02:00Z');
  });
});

describe('a page of older messages', () => {
  it('reads {messages}', () => {
    expect(parseMessageListBody({ messages: [message] })).toEqual([message]);
    expect(parseMessageListBody({ messages: [] })).toEqual([]);
  });

  it('refuses a body without the list', () => {
    expect(() => parseMessageListBody({})).toThrow(ApiError);
  });
});
