import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallInfo, RoomSnapshot } from '../api/types';
import type { Envelope } from '../realtime/events';
import { RealtimeClient, type WebSocketLike } from '../realtime/socket';
import type { MeshManager } from '../rtc/mesh';
import { applySnapshot, initialRoomState, roomStore } from '../store/roomStore';
import { bindCallSession, callEvent, callResync, joinCall, leaveCall } from './callSession';
import { callStore } from './callStore';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: Envelope[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Envelope);
  }
  close(): void {
    this.readyState = 3;
  }
  push(type: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type, data }) });
  }
}

const call: CallInfo = {
  id: 'c1',
  startedBy: 'a',
  startedAt: '',
  participants: [
    { memberId: 'a', joinedAt: '' },
    { memberId: 'b', joinedAt: '' },
  ],
};

function snapshot(c: CallInfo | null): RoomSnapshot {
  return {
    room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '', createdBy: 'a' },
    self: 'b',
    members: [
      { id: 'a', displayName: 'Alice', joinedAt: '', online: true },
      { id: 'b', displayName: 'Bob', joinedAt: '', online: true },
    ],
    call: c,
    files: [],
    iceServers: [{ urls: 'turn:fresh' }],
  };
}

function fakeMesh() {
  return {
    setIceServers: vi.fn(),
    resync: vi.fn(),
    participantJoined: vi.fn(),
    participantLeft: vi.fn(),
    handleSignal: vi.fn(async () => {}),
    close: vi.fn(),
    getSnapshot: () => [],
    subscribe: () => () => {},
  };
}

/** A client whose socket is open and joined, bound to the call session, with Bob in the call. */
function setup(c: CallInfo | null = call) {
  const socket = new FakeSocket();
  const client = new RealtimeClient({ token: 't', url: 'ws://x/ws', createSocket: () => socket });
  const unbind = bindCallSession(client);
  client.subscribe({ event: callEvent }); // as roomSession.ts does, after the room store
  client.connect();
  socket.readyState = 1;
  socket.onopen?.({});
  socket.push('room:state', snapshot(c));
  roomStore.setState({ ...initialRoomState, ...applySnapshot(initialRoomState, snapshot(c)) });
  const mesh = fakeMesh();
  callStore.setState({ phase: 'in-call', callId: 'c1', mesh: mesh as unknown as MeshManager });
  return { socket, client, unbind, mesh };
}

afterEach(() => {
  callStore.setState({ phase: 'idle', callId: null, mesh: null });
});

describe('call session', () => {
  it('after a reconnect into a call that goes on: call:join again, fresh ICE servers, ICE restart with the others', () => {
    const { socket, mesh, client } = setup();
    callResync(snapshot(call));
    const join = socket.sent.find((f) => f.type === 'call:join');
    expect(join).toMatchObject({ type: 'call:join', data: { callId: 'c1' } });
    expect(mesh.setIceServers).toHaveBeenCalledWith([{ urls: 'turn:fresh' }]);
    expect(mesh.resync).toHaveBeenCalledWith(['a']);
    expect(callStore.getState().phase).toBe('in-call');

    // The server refuses the rejoin (someone took our place): out of the call, in words.
    socket.push('error', { code: 'call_full', message: 'full', rid: join!.rid });
    expect(mesh.close).toHaveBeenCalled();
    expect(callStore.getState()).toMatchObject({ phase: 'idle', mesh: null, notice: { kind: 'full' } });
    client.close();
  });

  it('after a reconnect into a room whose call ended: everything closes', () => {
    const { mesh, socket, client } = setup();
    callResync(snapshot(null));
    expect(mesh.close).toHaveBeenCalled();
    expect(socket.sent.some((f) => f.type === 'call:join')).toBe(false);
    expect(callStore.getState().phase).toBe('idle');
    expect(callStore.getState().notice?.title).toBe('The call ended while you were offline.');
    client.close();
  });

  it('feeds participants and signals to the mesh, and closes it when the call ends', () => {
    const { mesh, client } = setup();
    callEvent({ type: 'call:participant-joined', data: { callId: 'c1', memberId: 'c' } });
    expect(mesh.participantJoined).toHaveBeenCalledWith('c');
    const offer = { from: 'c', callId: 'c1', sdp: 'v=0' };
    callEvent({ type: 'signal:offer', data: offer });
    expect(mesh.handleSignal).toHaveBeenCalledWith('signal:offer', offer);
    callEvent({ type: 'call:participant-left', data: { callId: 'c1', memberId: 'c', reason: 'left' } });
    expect(mesh.participantLeft).toHaveBeenCalledWith('c');
    callEvent({ type: 'call:ended', data: { callId: 'c1', reason: 'ended', endedBy: 'a' } });
    expect(mesh.close).toHaveBeenCalled();
    expect(callStore.getState().phase).toBe('idle');
    client.close();
  });

  it('"Leave call" tells the server and closes the media; a stale listing after a reload is left', () => {
    const { socket, mesh, client } = setup();
    leaveCall();
    expect(socket.sent.at(-1)).toMatchObject({ type: 'call:leave', data: { callId: 'c1' } });
    expect(mesh.close).toHaveBeenCalled();
    // Now idle, but a snapshot still lists us: leave it rather than leave the others waiting.
    callResync(snapshot(call));
    expect(socket.sent.at(-1)).toMatchObject({ type: 'call:leave', data: { callId: 'c1' } });
    client.close();
  });

  it('says when the call is full', async () => {
    const { socket, client } = setup();
    callStore.setState({ phase: 'idle', callId: null, mesh: null });
    const joining = joinCall();
    expect(callStore.getState().phase).toBe('joining');
    const join = socket.sent.at(-1)!;
    expect(join).toMatchObject({ type: 'call:join', data: { callId: 'c1' } });
    socket.push('error', { code: 'call_full', message: 'The call is full', rid: join.rid });
    await joining;
    expect(callStore.getState()).toMatchObject({ phase: 'idle', notice: { kind: 'full', title: 'This call is full.' } });
    client.close();
  });
});
