import { describe, expect, it } from 'vitest';
import { parseCall, parseEnvelope, parseServerEvent } from './events';

describe('parseEnvelope', () => {
  it('reads {type, data, rid} and refuses what is not an envelope', () => {
    expect(parseEnvelope('{"type":"call:started","data":{"call":null},"rid":"r1"}')).toEqual({
      type: 'call:started',
      data: { call: null },
      rid: 'r1',
    });
    expect(parseEnvelope('{"type":"member:left"}')).toEqual({ type: 'member:left', data: {} });
    expect(parseEnvelope('nope')).toBeNull();
    expect(parseEnvelope('[1,2]')).toBeNull();
    expect(parseEnvelope('{"data":{}}')).toBeNull();
  });
});

describe('parseServerEvent', () => {
  it('types the signals, with a null candidate at the end of ICE', () => {
    expect(parseServerEvent({ type: 'signal:ice', data: { from: 'b', callId: 'c', candidate: null } })).toEqual({
      type: 'signal:ice',
      data: { from: 'b', callId: 'c', candidate: null },
    });
    expect(parseServerEvent({ type: 'signal:offer', data: { from: 'b', callId: 'c', sdp: 'v=0' } })?.data).toEqual({
      from: 'b',
      callId: 'c',
      sdp: 'v=0',
    });
    expect(parseServerEvent({ type: 'signal:offer', data: { from: 'b', callId: 'c' } })).toBeNull();
    expect(parseServerEvent({ type: 'signal:ice', data: { from: 'b', callId: 'c', candidate: 'x' } })).toBeNull();
  });

  it('takes the error rid from data (protocol.md) or from the envelope', () => {
    expect(parseServerEvent({ type: 'error', data: { code: 'not_in_call', message: 'm', rid: 'r7' } })?.data).toEqual({
      code: 'not_in_call',
      message: 'm',
      rid: 'r7',
    });
    expect(parseServerEvent({ type: 'error', data: { code: 'x', message: 'm' }, rid: 'r8' })?.data).toMatchObject({ rid: 'r8' });
  });

  it('checks calls, members and files, and ignores unknown types', () => {
    const call = { id: 'c1', startedBy: 'a', startedAt: 't', participants: [{ memberId: 'a', joinedAt: 't' }] };
    expect(parseServerEvent({ type: 'call:started', data: { call } })).toEqual({ type: 'call:started', data: { call } });
    expect(parseServerEvent({ type: 'call:started', data: { call: { participants: [] } } })).toBeNull();
    expect(parseCall({ id: 'c1', participants: [{ joinedAt: 't' }] })).toBeNull();
    expect(parseServerEvent({ type: 'member:joined', data: { member: { id: 'b', displayName: 'Bob' } } })?.data).toEqual({
      member: { id: 'b', displayName: 'Bob', joinedAt: '', online: true, handRaisedAt: null },
    });
    expect(parseServerEvent({ type: 'file:added', data: { file: { id: 'f', filename: 'a.txt', sizeBytes: 3 } } })).toMatchObject({
      data: { file: { id: 'f', filename: 'a.txt', sizeBytes: 3, mimeType: 'application/octet-stream' } },
    });
    expect(parseServerEvent({ type: 'call:ended', data: { callId: 'c1', reason: 'ended', endedBy: 'a' } })?.data).toEqual({
      callId: 'c1',
      reason: 'ended',
      endedBy: 'a',
    });
    expect(parseServerEvent({ type: 'room:renamed', data: {} })).toBeNull();
    expect(parseServerEvent({ type: 'member:left', data: 'x' })).toBeNull();
  });
});

describe('chat, room and member updates', () => {
  it('types chat:message; a message without id, author or text is dropped', () => {
    const message = { id: 'm1', memberId: 'b', displayName: 'Bob', text: '<b>hi</b>', createdAt: '2026-01-01T00:00:00Z' };
    expect(parseServerEvent({ type: 'chat:message', data: { message } })).toEqual({ type: 'chat:message', data: { message } });
    expect(parseServerEvent({ type: 'chat:message', data: { message: { ...message, text: 3 } } })).toBeNull();
    expect(parseServerEvent({ type: 'chat:message', data: { message: { id: 'm1', text: 'x' } } })).toBeNull();
    // A server without displayName in messages: the name is empty, not missing.
    const { displayName: _, ...bare } = message;
    expect(parseServerEvent({ type: 'chat:message', data: { message: bare } })?.data).toEqual({
      message: { ...message, displayName: '' },
    });
  });

  it('types room:updated with locked (false when absent) and member:updated with handRaisedAt', () => {
    const room = { id: 'r', code: 'abcd-efgh-jkmn', createdAt: 't', createdBy: 'a', locked: true };
    expect(parseServerEvent({ type: 'room:updated', data: { room } })).toEqual({ type: 'room:updated', data: { room } });
    expect(parseServerEvent({ type: 'room:updated', data: { room: { ...room, locked: undefined } } })?.data).toEqual({
      room: { ...room, locked: false },
    });
    expect(parseServerEvent({ type: 'room:updated', data: { room: { code: 'x' } } })).toBeNull();
    const member = { id: 'b', displayName: 'Bob', joinedAt: 't', online: true, handRaisedAt: '2026-01-01T00:05:00Z' };
    expect(parseServerEvent({ type: 'member:updated', data: { member } })).toEqual({ type: 'member:updated', data: { member } });
    expect(parseServerEvent({ type: 'member:updated', data: { member: { ...member, handRaisedAt: null } } })?.data).toEqual({
      member: { ...member, handRaisedAt: null },
    });
    expect(parseServerEvent({ type: 'member:updated', data: { member: { id: 'b' } } })).toBeNull();
  });

  it('keeps the reason "removed" of member:left and call:participant-left', () => {
    expect(parseServerEvent({ type: 'member:left', data: { memberId: 'b', reason: 'removed' } })?.data).toEqual({
      memberId: 'b',
      reason: 'removed',
    });
    expect(
      parseServerEvent({ type: 'call:participant-left', data: { callId: 'c', memberId: 'b', reason: 'removed' } })?.data,
    ).toEqual({ callId: 'c', memberId: 'b', reason: 'removed' });
  });
});
