import { describe, expect, it } from 'vitest';
import { parseRoomSnapshot } from '../api/parse';
import type { CallInfo, ChatMessage, Member, RoomSnapshot } from '../api/types';
import type { ServerEvent } from '../realtime/events';
import { sharedFile } from '../files/fakes';
import {
  applyChatOpen,
  applyFileAdded,
  applyOlderMessages,
  applyServerEvent,
  applySnapshot,
  initialRoomState,
  isInCall,
  membershipChanges,
  newlyRaisedHands,
  orderedMembers,
  raisedHands,
  resyncMessages,
  type RoomState,
} from './roomStore';

const alice: Member = { id: 'a', displayName: 'Alice', joinedAt: '2026-01-01T00:00:00Z', online: true, handRaisedAt: null };
const bob: Member = { id: 'b', displayName: 'Bob', joinedAt: '2026-01-01T00:01:00Z', online: true, handRaisedAt: null };
const carol: Member = { id: 'c', displayName: 'Carol', joinedAt: '2026-01-01T00:02:00Z', online: true, handRaisedAt: null };

function snapshot(members: Member[], self = 'a'): RoomSnapshot {
  return {
    room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '2026-01-01T00:00:00Z', createdBy: 'a', locked: false },
    self,
    members,
    call: null,
    files: [],
    messages: [],
    blockedFileTypes: [],
    iceServers: [],
    iceTransportPolicy: 'all',
    callCapacity: 6,
    seq: null,
  };
}

function reduce(state: RoomState, snap: RoomSnapshot): RoomState {
  return { ...state, ...applySnapshot(state, snap) };
}

describe('membershipChanges', () => {
  it('reports joins, leaves and presence, never about yourself', () => {
    expect(membershipChanges([alice, bob], [alice, carol], 'a')).toEqual([
      'Carol joined the room',
      'Bob left the room',
    ]);
    expect(membershipChanges([alice, bob], [alice, { ...bob, online: false }], 'a')).toEqual(['Bob went offline']);
    expect(membershipChanges([alice, { ...bob, online: false }], [alice, bob], 'a')).toEqual(['Bob is back online']);
    expect(membershipChanges([bob], [alice, bob], 'a')).toEqual([]);
    expect(membershipChanges([alice, bob], [alice, bob], 'a')).toEqual([]);
  });
});

describe('applySnapshot', () => {
  it('enters the room with the first snapshot', () => {
    const state = reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot([alice]));
    expect(state.phase).toEqual({ kind: 'in-room' });
    expect(state.selfId).toBe('a');
    expect(state.members).toEqual([alice]);
    expect(state.announcement?.text).toBe('You joined the room. Nobody else is here yet.');
  });

  it('announces who came and went after that', () => {
    let state = reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot([alice]));
    const firstId = state.announcement?.id ?? 0;
    state = reduce(state, snapshot([alice, bob]));
    expect(state.announcement).toEqual({ id: firstId + 1, text: 'Bob joined the room.' });
    state = reduce(state, snapshot([alice, bob]));
    expect(state.announcement?.id).toBe(firstId + 1); // nothing new, nothing said
    state = reduce(state, snapshot([alice]));
    expect(state.announcement?.text).toBe('Bob left the room.');
  });

  it('counts the others who are here on entering', () => {
    const state = reduce({ ...initialRoomState }, snapshot([alice, bob, { ...carol, online: false }], 'b'));
    expect(state.announcement?.text).toBe('You joined the room. 1 other person is here.');
  });

  it("takes the room's blocked file types from each snapshot, none from an older server", () => {
    const raw = {
      room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '2026-01-01T00:00:00Z', createdBy: 'a' },
      self: 'a',
      members: [alice],
      call: null,
      files: [],
      iceServers: [],
      iceTransportPolicy: 'all',
      callCapacity: 6,
    };
    let state = reduce({ ...initialRoomState }, parseRoomSnapshot({ ...raw, blockedFileTypes: ['.EXE', 'video/*', 7] }));
    expect(state.blockedFileTypes).toEqual(['.exe', 'video/*']);
    state = reduce(state, parseRoomSnapshot(raw));
    expect(state.blockedFileTypes).toEqual([]);
  });

  it('clears a reconnecting banner', () => {
    const state = reduce({ ...initialRoomState, phase: { kind: 'in-room' }, connection: 'reconnecting' }, snapshot([alice]));
    expect(state.connection).toBe('connected');
  });
});

describe('orderedMembers', () => {
  it('puts you first and keeps the rest in order', () => {
    expect(orderedMembers([alice, bob, carol], 'b').map((m) => m.id)).toEqual(['b', 'a', 'c']);
  });
});

describe('realtime reducers', () => {
  const call: CallInfo = {
    id: 'c1',
    startedBy: 'a',
    startedAt: '2026-01-01T00:05:00Z',
    participants: [{ memberId: 'a', joinedAt: '2026-01-01T00:05:00Z' }],
  };

  function inRoom(members: Member[], self = 'a'): RoomState {
    return reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot(members, self));
  }

  function apply(state: RoomState, event: ServerEvent): RoomState {
    return { ...state, ...applyServerEvent(state, event) };
  }

  it('a resync replaces members and call wholesale, and announces the call news', () => {
    let state = inRoom([alice, bob]);
    state = apply(state, { type: 'call:started', data: { call } });
    expect(state.call?.id).toBe('c1');
    // While we were away: Bob left, Carol came, the call ended, another one started.
    const next = { ...snapshot([alice, carol]), call: { ...call, id: 'c2', startedBy: 'c' }, iceServers: [{ urls: 'stun:x' }] };
    state = reduce({ ...state, connection: 'reconnecting' }, next);
    expect(state.members).toEqual([alice, carol]);
    expect(state.call).toEqual(next.call);
    expect(state.ice).toEqual({ iceServers: [{ urls: 'stun:x' }], iceTransportPolicy: 'all' });
    expect(state.connection).toBe('connected');
    expect(state.announcement?.text).toBe('Carol joined the room. Bob left the room. Carol started a call.');
    state = reduce(state, snapshot([alice, carol]));
    expect(state.call).toBeNull();
    expect(state.announcement?.text).toBe('The call ended.');
  });

  it('member:joined adds a member or brings one back online; member:left removes or marks offline', () => {
    let state = inRoom([alice]);
    state = apply(state, { type: 'member:joined', data: { member: bob } });
    expect(state.members.map((m) => m.id)).toEqual(['a', 'b']);
    expect(state.announcement?.text).toBe('Bob joined the room.');
    state = apply(state, { type: 'member:left', data: { memberId: 'b', reason: 'offline' } });
    expect(state.members.find((m) => m.id === 'b')?.online).toBe(false);
    expect(state.announcement?.text).toBe('Bob went offline.');
    state = apply(state, { type: 'member:joined', data: { member: { ...bob, online: true } } });
    expect(state.members).toHaveLength(2);
    expect(state.members.find((m) => m.id === 'b')?.online).toBe(true);
    expect(state.announcement?.text).toBe('Bob is back online.');
    state = apply(state, { type: 'member:left', data: { memberId: 'b', reason: 'left' } });
    expect(state.members).toEqual([alice]);
    expect(state.announcement?.text).toBe('Bob left the room.');
    const before = state;
    state = apply(state, { type: 'member:left', data: { memberId: 'zz', reason: 'left' } });
    expect(state).toEqual(before);
  });

  it('call events start, fill, empty and end the call, and ignore other calls', () => {
    let state = inRoom([alice, bob, carol], 'b');
    expect(state.selfId).toBe('b');
    state = apply(state, { type: 'call:started', data: { call } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a']);
    expect(state.announcement?.text).toBe('Alice started a call.');
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'c' } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a', 'c']);
    expect(state.announcement?.text).toBe('Carol joined the call.');
    // Twice is harmless; another call's events change nothing.
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'c' } });
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'other', memberId: 'b' } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a', 'c']);
    state = apply(state, { type: 'call:participant-left', data: { callId: 'c1', memberId: 'a', reason: 'left' } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['c']);
    expect(state.announcement?.text).toBe('Alice left the call.');
    state = apply(state, { type: 'call:ended', data: { callId: 'other', reason: 'ended' } });
    expect(state.call).not.toBeNull();
    state = apply(state, { type: 'call:ended', data: { callId: 'c1', reason: 'ended', endedBy: 'a' } });
    expect(state.call).toBeNull();
    expect(state.announcement?.text).toBe('Alice ended the call.');
  });

  it('a member who leaves the room leaves the call with it', () => {
    let state = inRoom([alice, bob]);
    state = apply(state, { type: 'call:started', data: { call } });
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'b' } });
    state = apply(state, { type: 'member:left', data: { memberId: 'b', reason: 'left' } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a']);
    // Going offline is not leaving: the server keeps them through its grace period.
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'b' } });
    state = apply(state, { type: 'member:left', data: { memberId: 'b', reason: 'offline' } });
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a', 'b']);
  });

  it('says nothing about ourselves joining or leaving the call', () => {
    let state = inRoom([alice, bob]);
    const said = state.announcement;
    state = apply(state, { type: 'call:started', data: { call: { ...call, startedBy: 'b', participants: [] } } });
    state = apply(state, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'a' } });
    expect(state.announcement?.id).toBe((said?.id ?? 0) + 1);
    expect(isInCall(state.call, 'a')).toBe(true);
    expect(isInCall(state.call, 'b')).toBe(false);
  });
});

describe('shared files', () => {
  const fromBob = sharedFile('f1', '2026-11-25T10:00:00Z', { id: 'b', displayName: 'Bob' });
  const fromAlice = sharedFile('f2', '2026-11-25T10:05:00Z', { id: 'a', displayName: 'Alice' });
  const later = sharedFile('f3', '2026-11-25T10:10:00Z', { id: 'c', displayName: 'Carol' });

  function entered(files: RoomSnapshot['files']): RoomState {
    return reduce({ ...initialRoomState, phase: { kind: 'entering' } }, { ...snapshot([alice, bob]), files });
  }

  it('the first snapshot brings the history without announcing each file', () => {
    const state = entered([fromBob, fromAlice]);
    expect(state.files.map((f) => f.id)).toEqual(['f1', 'f2']);
    expect(state.announcement?.text).toBe('You joined the room. 1 other person is here.');
  });

  it('file:added appends once and announces files from others', () => {
    let state = entered([fromBob]);
    state = { ...state, ...applyServerEvent(state, { type: 'file:added', data: { file: later } }) };
    expect(state.files.map((f) => f.id)).toEqual(['f1', 'f3']);
    expect(state.announcement?.text).toBe('Carol shared f3.txt.');
    const said = state.announcement;
    state = { ...state, ...applyServerEvent(state, { type: 'file:added', data: { file: later } }) };
    expect(state.files.map((f) => f.id)).toEqual(['f1', 'f3']);
    expect(state.announcement).toBe(said);
  });

  it('our own file counts once, whether complete or file:added comes first', () => {
    let state = entered([]);
    state = { ...state, ...applyFileAdded(state, fromAlice) };
    expect(state.announcement?.text).toBe('You shared f2.txt.');
    const said = state.announcement;
    state = { ...state, ...applyServerEvent(state, { type: 'file:added', data: { file: fromAlice } }) };
    expect(state.files).toEqual([fromAlice]);
    expect(state.announcement).toBe(said);
  });

  it('every resync merges the snapshot\'s files and announces the ones missed', () => {
    let state = entered([fromBob]);
    state = { ...state, ...applyFileAdded(state, fromAlice) };
    // Reconnected: the snapshot knows a file we missed, and may lag behind one we have.
    state = reduce({ ...state, connection: 'reconnecting' }, { ...snapshot([alice, bob]), files: [fromBob, later] });
    expect(state.files.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(state.announcement?.text).toBe('Carol shared f3.txt.');
    state = reduce(state, { ...snapshot([alice, bob]), files: [fromBob, fromAlice, later] });
    expect(state.files.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(state.announcement?.text).toBe('Carol shared f3.txt.');
  });

  it('sums up many missed files in one sentence', () => {
    let state = entered([]);
    const many = [1, 2, 3, 4].map((n) => sharedFile(`m${n}`, `2026-11-25T11:0${n}:00Z`, { id: 'b', displayName: 'Bob' }));
    state = reduce(state, { ...snapshot([alice, bob]), files: many });
    expect(state.announcement?.text).toBe('4 files were shared.');
  });
});

describe('chat', () => {
  const say = (id: string, memberId: string, text = `text ${id}`): ChatMessage => ({
    id,
    memberId,
    displayName: memberId === 'a' ? 'Alice' : 'Bob',
    text,
    createdAt: '2026-01-01T00:10:00Z',
  });

  function entered(messages: ChatMessage[] = []): RoomState {
    return reduce({ ...initialRoomState, phase: { kind: 'entering' } }, { ...snapshot([alice, bob]), messages });
  }

  function apply(state: RoomState, event: ServerEvent): RoomState {
    return { ...state, ...applyServerEvent(state, event) };
  }

  it('the first snapshot brings the history, oldest first, with nothing unread and no older page to ask for', () => {
    const state = entered([say('m1', 'b'), say('m2', 'a')]);
    expect(state.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(state.unreadMessages).toBe(0);
    expect(state.chatHistory).toEqual({ hasOlder: false, loading: false, error: null });
    expect(state.announcement?.text).toBe('You joined the room. 1 other person is here.');
  });

  it('a full snapshot (100) means older messages may exist', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => say(`m${i + 100}`, 'b'));
    expect(entered(hundred).chatHistory.hasOlder).toBe(true);
  });

  it('chat:message appends once per id, counts others\' as unread while Chat is closed, and reads them out', () => {
    let state = entered([say('m1', 'b')]);
    state = apply(state, { type: 'chat:message', data: { message: say('m2', 'b', 'can you hear me?') } });
    expect(state.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(state.unreadMessages).toBe(1);
    expect(state.announcement?.text).toBe('Bob: can you hear me?');
    const said = state.announcement;
    state = apply(state, { type: 'chat:message', data: { message: say('m2', 'b', 'can you hear me?') } });
    expect(state.messages).toHaveLength(2);
    expect(state.unreadMessages).toBe(1);
    expect(state.announcement).toBe(said);
    // Our own message is neither unread nor read out to us.
    state = apply(state, { type: 'chat:message', data: { message: say('m3', 'a') } });
    expect(state.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(state.unreadMessages).toBe(1);
    expect(state.announcement).toBe(said);
  });

  it('opening the Chat tab reads everything; while open nothing counts as unread', () => {
    let state = entered();
    state = apply(state, { type: 'chat:message', data: { message: say('m1', 'b') } });
    state = apply(state, { type: 'chat:message', data: { message: say('m2', 'b') } });
    expect(state.unreadMessages).toBe(2);
    state = { ...state, ...applyChatOpen(state, true) };
    expect(state.unreadMessages).toBe(0);
    state = apply(state, { type: 'chat:message', data: { message: say('m3', 'b') } });
    expect(state.unreadMessages).toBe(0);
    state = { ...state, ...applyChatOpen(state, false) };
    state = apply(state, { type: 'chat:message', data: { message: say('m4', 'b') } });
    expect(state.unreadMessages).toBe(1);
  });

  it('older pages go before, without duplicates; a short page means the start of the room', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => say(`m${i + 100}`, 'b'));
    let state = entered(hundred);
    state = { ...state, ...applyOlderMessages(state, [say('m98', 'b'), say('m99', 'a'), say('m100', 'b')], 50) };
    expect(state.messages.slice(0, 4).map((m) => m.id)).toEqual(['m98', 'm99', 'm100', 'm101']);
    expect(state.messages).toHaveLength(102);
    expect(state.chatHistory.hasOlder).toBe(false);
    const full = Array.from({ length: 50 }, (_, i) => say(`o${i}`, 'b'));
    state = { ...state, ...applyOlderMessages(state, full, 50) };
    expect(state.messages[0]?.id).toBe('o0');
    expect(state.chatHistory.hasOlder).toBe(true);
  });

  it('a resync keeps the older pages it meets, counts and reads out what was missed', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => say(`m${i + 100}`, 'b'));
    let state = entered(hundred);
    state = { ...state, ...applyOlderMessages(state, [say('m99', 'b')], 50) };
    // Reconnected: two messages came meanwhile; the snapshot is still the latest 100.
    const latest = [...hundred.slice(2), say('m200', 'b', 'missed one'), say('m201', 'a')];
    state = reduce({ ...state, connection: 'reconnecting' }, { ...snapshot([alice, bob]), messages: latest });
    expect(state.messages[0]?.id).toBe('m99');
    expect(state.messages.at(-1)?.id).toBe('m201');
    expect(state.messages).toHaveLength(103);
    expect(state.unreadMessages).toBe(1);
    expect(state.announcement?.text).toBe('Bob: missed one.');
    expect(resyncMessages([say('x', 'b')], latest, false)).toEqual({ messages: latest, hasOlder: true });
  });
});

describe('room lock and removal', () => {
  function inRoom(): RoomState {
    return reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot([alice, bob]));
  }

  it('room:updated replaces the room and says when it was locked or unlocked', () => {
    let state = inRoom();
    const room = { ...state.room!, locked: true };
    state = { ...state, ...applyServerEvent(state, { type: 'room:updated', data: { room } }) };
    expect(state.room?.locked).toBe(true);
    expect(state.announcement?.text).toBe('The room is now locked.');
    state = { ...state, ...applyServerEvent(state, { type: 'room:updated', data: { room: { ...room, locked: false } } }) };
    expect(state.room?.locked).toBe(false);
    expect(state.announcement?.text).toBe('The room is unlocked.');
    state = { ...state, ...applyServerEvent(state, { type: 'room:updated', data: { room: { ...room, createdBy: '' } } }) };
    expect(state.room?.createdBy).toBe('a');
  });

  it('member:left "removed" takes them out of the room and the call, and says so', () => {
    let state = inRoom();
    const call: CallInfo = {
      id: 'c1',
      startedBy: 'a',
      startedAt: 't',
      participants: [
        { memberId: 'a', joinedAt: 't' },
        { memberId: 'b', joinedAt: 't' },
      ],
    };
    state = { ...state, call };
    state = { ...state, ...applyServerEvent(state, { type: 'member:left', data: { memberId: 'b', reason: 'removed' } }) };
    expect(state.members).toEqual([alice]);
    expect(state.call?.participants.map((p) => p.memberId)).toEqual(['a']);
    expect(state.announcement?.text).toBe('Bob was removed from the room.');
  });
});

describe('raised hands', () => {
  const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;

  it('orders People: raised hands first in the order they were raised, then you, then by joining', () => {
    const dave: Member = { id: 'd', displayName: 'Dave', joinedAt: at(3), online: true, handRaisedAt: null };
    const members = [alice, { ...bob, handRaisedAt: at(20) }, { ...carol, handRaisedAt: at(10) }, dave];
    expect(orderedMembers(members, 'd').map((m) => m.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(raisedHands(members).map((m) => m.id)).toEqual(['c', 'b']);
  });

  it('member:updated raises and lowers a hand, and says so for others only', () => {
    let state = reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot([alice, bob]));
    state = { ...state, ...applyServerEvent(state, { type: 'member:updated', data: { member: { ...bob, handRaisedAt: at(5) } } }) };
    expect(state.members.find((m) => m.id === 'b')?.handRaisedAt).toBe(at(5));
    expect(state.announcement?.text).toBe('Bob raised their hand.');
    state = { ...state, ...applyServerEvent(state, { type: 'member:updated', data: { member: { ...bob, handRaisedAt: null } } }) };
    expect(state.members.find((m) => m.id === 'b')?.handRaisedAt).toBeNull();
    expect(state.announcement?.text).toBe('Bob lowered their hand.');
    const said = state.announcement;
    state = { ...state, ...applyServerEvent(state, { type: 'member:updated', data: { member: { ...alice, handRaisedAt: at(6) } } }) };
    expect(state.members.find((m) => m.id === 'a')?.handRaisedAt).toBe(at(6));
    expect(state.announcement).toBe(said);
  });

  it('member:updated keeps presence as it was', () => {
    let state = reduce({ ...initialRoomState, phase: { kind: 'entering' } }, snapshot([alice, { ...bob, online: false }]));
    state = {
      ...state,
      ...applyServerEvent(state, { type: 'member:updated', data: { member: { ...bob, online: true, handRaisedAt: at(5) } } }),
    };
    expect(state.members.find((m) => m.id === 'b')?.online).toBe(false);
  });

  it('newlyRaisedHands names others whose hand just went up (for the sound)', () => {
    const before = [alice, bob, carol];
    const after = [{ ...alice, handRaisedAt: at(1) }, { ...bob, handRaisedAt: at(2) }, carol];
    expect(newlyRaisedHands(before, after, 'a').map((m) => m.id)).toEqual(['b']);
    expect(newlyRaisedHands(after, after, 'a')).toEqual([]);
  });
});
