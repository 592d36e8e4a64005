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
      member: { id: 'b', displayName: 'Bob', joinedAt: '', online: true },
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
