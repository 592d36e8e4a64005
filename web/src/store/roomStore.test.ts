import { describe, expect, it } from 'vitest';
import type { Member, RoomSnapshot } from '../api/types';
import { applySnapshot, initialRoomState, membershipChanges, orderedMembers, type RoomState } from './roomStore';

const alice: Member = { id: 'a', displayName: 'Alice', joinedAt: '2026-01-01T00:00:00Z', online: true };
const bob: Member = { id: 'b', displayName: 'Bob', joinedAt: '2026-01-01T00:01:00Z', online: true };
const carol: Member = { id: 'c', displayName: 'Carol', joinedAt: '2026-01-01T00:02:00Z', online: true };

function snapshot(members: Member[], self = 'a'): RoomSnapshot {
  return {
    room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '2026-01-01T00:00:00Z', createdBy: 'a' },
    self,
    members,
    call: null,
    files: [],
    iceServers: [],
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
