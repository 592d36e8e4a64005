import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../api/types';
import { canEndForEveryone, planCallEvent, planResync, type MyCall } from './callPlan';

const call: CallInfo = {
  id: 'c1',
  startedBy: 'a',
  startedAt: '2026-01-01T00:00:00Z',
  participants: [
    { memberId: 'a', joinedAt: '' },
    { memberId: 'b', joinedAt: '' },
    { memberId: 'c', joinedAt: '' },
  ],
};

const idle: MyCall = { phase: 'idle', callId: null };
const inCall: MyCall = { phase: 'in-call', callId: 'c1' };

describe('planResync', () => {
  it('rejoins and restarts ICE with the others when our call is still on after a reconnect', () => {
    expect(planResync(inCall, call, 'b')).toEqual({ kind: 'rejoin', callId: 'c1', others: ['a', 'c'], fresh: false });
    // Dropped past the grace period: still ours to rejoin while the call runs, with new connections.
    const withoutUs = { ...call, participants: call.participants.filter((p) => p.memberId !== 'b') };
    expect(planResync(inCall, withoutUs, 'b')).toEqual({ kind: 'rejoin', callId: 'c1', others: ['a', 'c'], fresh: true });
  });

  it('tears down when our call ended meanwhile, or another one replaced it', () => {
    expect(planResync(inCall, null, 'b')).toEqual({ kind: 'teardown' });
    expect(planResync(inCall, { ...call, id: 'c2' }, 'b')).toEqual({ kind: 'teardown' });
  });

  it('leaves a call the server lists us in but this page is not in (a reload mid-call)', () => {
    expect(planResync(idle, call, 'b')).toEqual({ kind: 'leave-stale', callId: 'c1' });
    expect(planResync(idle, call, 'z')).toEqual({ kind: 'none' });
    expect(planResync(idle, null, 'b')).toEqual({ kind: 'none' });
  });
});

describe('planCallEvent', () => {
  it('maps participants joining and leaving our call onto the mesh', () => {
    expect(planCallEvent(inCall, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'd' } }, 'b')).toEqual({
      kind: 'peer-joined',
      memberId: 'd',
    });
    expect(planCallEvent(inCall, { type: 'call:participant-joined', data: { callId: 'c1', memberId: 'b' } }, 'b')).toEqual({
      kind: 'none',
    });
    expect(
      planCallEvent(inCall, { type: 'call:participant-left', data: { callId: 'c1', memberId: 'a', reason: 'dropped' } }, 'b'),
    ).toEqual({ kind: 'peer-left', memberId: 'a' });
    expect(planCallEvent(inCall, { type: 'member:left', data: { memberId: 'a', reason: 'left' } }, 'b')).toEqual({
      kind: 'peer-left',
      memberId: 'a',
    });
    expect(planCallEvent(inCall, { type: 'member:left', data: { memberId: 'a', reason: 'offline' } }, 'b')).toEqual({
      kind: 'none',
    });
    // Removed by the room's creator: gone from the call at once, like leaving.
    expect(planCallEvent(inCall, { type: 'member:left', data: { memberId: 'a', reason: 'removed' } }, 'b')).toEqual({
      kind: 'peer-left',
      memberId: 'a',
    });
  });

  it('tears down when the call ends or we are taken out of it', () => {
    expect(planCallEvent(inCall, { type: 'call:ended', data: { callId: 'c1', reason: 'ended', endedBy: 'a' } }, 'b')).toEqual({
      kind: 'ended',
    });
    expect(
      planCallEvent(inCall, { type: 'call:participant-left', data: { callId: 'c1', memberId: 'b', reason: 'dropped' } }, 'b'),
    ).toEqual({ kind: 'removed' });
  });

  it('passes signals to the mesh, and ignores everything while not in the call or about another call', () => {
    expect(planCallEvent(inCall, { type: 'signal:ice', data: { from: 'a', callId: 'c1', candidate: null } }, 'b')).toEqual({
      kind: 'signal',
    });
    expect(planCallEvent(idle, { type: 'signal:ice', data: { from: 'a', callId: 'c1', candidate: null } }, 'b')).toEqual({
      kind: 'none',
    });
    expect(planCallEvent({ phase: 'joining', callId: 'c1' }, { type: 'call:ended', data: { callId: 'c1', reason: 'empty' } }, 'b')).toEqual({
      kind: 'none',
    });
    expect(planCallEvent(inCall, { type: 'call:ended', data: { callId: 'c0', reason: 'empty' } }, 'b')).toEqual({ kind: 'none' });
    expect(
      planCallEvent(inCall, { type: 'call:participant-joined', data: { callId: 'c0', memberId: 'd' } }, 'b'),
    ).toEqual({ kind: 'none' });
  });
});

describe('canEndForEveryone', () => {
  it('lets the starter and the room creator end the call, nobody else', () => {
    expect(canEndForEveryone(call, 'a', 'z')).toBe(true);
    expect(canEndForEveryone(call, 'c', 'c')).toBe(true);
    expect(canEndForEveryone(call, 'b', 'c')).toBe(false);
    expect(canEndForEveryone(null, 'a', 'a')).toBe(false);
  });
});
