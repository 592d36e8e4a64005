import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallInfo, IceGrant, IceSettings } from '../api/types';
import type { NetworkChange, NetworkWatch } from '../lib/network';
import type { Envelope } from '../realtime/events';
import { RealtimeClient, type WebSocketLike } from '../realtime/socket';
import { ManualTimers } from '../rtc/fakes';
import type { CallMedia, IceConfig, PeerState, PeersListener } from '../rtc/types';
import { CallSession, type RoomView } from './callSession';
import { callStore } from './callStore';
import type { MediaDevicesLike } from './media';

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

/** A MediaStream for Node: just the tracks. */
class TestMediaStream {
  private readonly tracks: MediaStreamTrack[];
  constructor(tracks: MediaStreamTrack[] = []) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return this.tracks;
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
}

function track(kind: 'audio' | 'video', id: string): MediaStreamTrack {
  return { kind, id, enabled: true, readyState: 'live', stop: vi.fn(), getSettings: () => ({}) } as unknown as MediaStreamTrack;
}

function peer(memberId: string, patch: Partial<PeerState> = {}): PeerState {
  return {
    memberId,
    polite: false,
    connectionState: 'connected',
    wasConnected: true,
    quality: 'good',
    path: null,
    stats: null,
    firstFrameAt: null,
    iceRestarts: 0,
    maxVideoBitrate: null,
    remoteStream: null,
    remoteTracks: [],
    ...patch,
  };
}

/** The media layer as the session sees it: every call recorded, peers set by the test. */
class FakeMedia implements CallMedia {
  readonly connectTo = vi.fn();
  readonly participantJoined = vi.fn();
  readonly participantLeft = vi.fn();
  readonly resync = vi.fn();
  readonly handleSignal = vi.fn(async () => {});
  readonly setLocalStream = vi.fn();
  readonly replaceTrack = vi.fn(async () => {});
  readonly setVideoSource = vi.fn();
  readonly setVideoWanted = vi.fn();
  readonly setIceConfig = vi.fn();
  readonly restartIce = vi.fn();
  readonly close = vi.fn();
  readonly collectStats = vi.fn(async () => {});
  private peers: readonly PeerState[] = [];
  private readonly listeners = new Set<PeersListener>();
  constructor(readonly ice: IceConfig) {}
  getSnapshot() {
    return this.peers;
  }
  subscribe(listener: PeersListener) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  setPeers(peers: PeerState[]) {
    this.peers = peers;
    for (const l of this.listeners) l(this.peers);
  }
}

class FakeVisibility {
  isHidden = false;
  private listener: (() => void) | null = null;
  hidden() {
    return this.isHidden;
  }
  subscribe(onChange: () => void) {
    this.listener = onChange;
    return () => {
      this.listener = null;
    };
  }
  set(hidden: boolean) {
    this.isHidden = hidden;
    this.listener?.();
  }
}

class FakeNetwork implements NetworkWatch {
  private listener: ((change: NetworkChange) => void) | null = null;
  subscribe(onChange: (change: NetworkChange) => void) {
    this.listener = onChange;
    return () => {
      this.listener = null;
    };
  }
  fire(change: NetworkChange) {
    this.listener?.(change);
  }
}

const twoOfUs: CallInfo = {
  id: 'c1',
  startedBy: 'a',
  startedAt: '',
  participants: [
    { memberId: 'a', joinedAt: '' },
    { memberId: 'b', joinedAt: '' },
  ],
};
const aliceOnly: CallInfo = { ...twoOfUs, participants: [{ memberId: 'a', joinedAt: '' }] };
const snapshotIce: IceSettings = { iceServers: [{ urls: ['turn:snapshot'] }], iceTransportPolicy: 'all' };
const grant: IceGrant = {
  iceServers: [{ urls: ['turn:fresh'], username: '9:b', credential: 'x' }],
  iceTransportPolicy: 'relay',
  ttlSeconds: 600,
};

/** Bob's page, joined to the room; `room.call` is what the room store says of the call. */
function setup(options: { call?: CallInfo | null; capacity?: number } = {}) {
  const socket = new FakeSocket();
  const client = new RealtimeClient({ token: 't', url: 'ws://x/ws', createSocket: () => socket });
  const room: RoomView = { selfId: 'b', call: options.call ?? twoOfUs, ice: snapshotIce, callCapacity: options.capacity ?? 6 };
  const medias: FakeMedia[] = [];
  const network = new FakeNetwork();
  const visibility = new FakeVisibility();
  const timers = new ManualTimers();
  let clock = 1_000;
  const getUserMedia = vi.fn(async () => new TestMediaStream([track('audio', 'mic'), track('video', 'cam')]));
  const devices: MediaDevicesLike = { getUserMedia: getUserMedia as never, enumerateDevices: async () => [] };
  const fetchIceServers = vi.fn(async () => grant);
  const session = new CallSession({
    client,
    room: () => room,
    fetchIceServers,
    createMedia: ({ ice }) => {
      const media = new FakeMedia(ice);
      medias.push(media);
      return media;
    },
    mediaDevices: () => devices,
    network,
    visibility,
    timers,
    now: () => clock,
  });
  client.connect();
  socket.readyState = 1;
  socket.onopen?.({});
  socket.push('room:state', {
    room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '', createdBy: 'a' },
    self: 'b',
    members: [],
    call: room.call,
    files: [],
    iceServers: [],
  });
  client.subscribe({ event: (e) => session.event(e) }); // as roomSession.ts does, after the room store
  const sentOf = (type: string) => socket.sent.filter((f) => f.type === type);
  return {
    socket,
    client,
    room,
    session,
    medias,
    network,
    visibility,
    timers,
    getUserMedia,
    fetchIceServers,
    sentOf,
    setClock: (ms: number) => {
      clock = ms;
    },
  };
}

/** Joins Bob to Alice's call: click, the server's answer, media and credentials settle. */
async function joined(t: ReturnType<typeof setup>) {
  const joining = t.session.join();
  const join = t.sentOf('call:join').at(-1)!;
  t.socket.push('call:participant-joined', { callId: 'c1', memberId: 'b' });
  await joining;
  await vi.waitFor(() => expect(t.medias[0]?.connectTo).toHaveBeenCalled());
  return { join, media: t.medias[0]! };
}

beforeEach(() => {
  vi.stubGlobal('MediaStream', TestMediaStream);
});

afterEach(() => {
  callStore.getState().session?.dispose();
  vi.unstubAllGlobals();
});

describe('CallSession', () => {
  it('joins with fresh TURN credentials and the preview\'s tracks, then offers to those already there', async () => {
    const t = setup();
    t.room.call = aliceOnly;
    t.session.startPreview();
    await vi.waitFor(() => expect(callStore.getState().prejoin.stream).not.toBeNull());
    t.room.call = twoOfUs;
    const { media } = await joined(t);
    expect(t.getUserMedia).toHaveBeenCalledTimes(1); // the preview's camera went into the call
    expect(t.fetchIceServers).toHaveBeenCalled();
    expect(media.setIceConfig).toHaveBeenLastCalledWith({ iceServers: grant.iceServers, iceTransportPolicy: 'relay' });
    expect(media.connectTo).toHaveBeenCalledWith(['a']);
    expect(callStore.getState()).toMatchObject({ phase: 'in-call', callId: 'c1', media: { micOn: true, cameraOn: true } });
    t.client.close();
  });

  it('fetches the credentials when the lobby shows, so the join waits for none; stale ones are fetched again', async () => {
    const t = setup();
    t.session.prepareJoin();
    t.session.prepareJoin(); // once is enough
    expect(t.fetchIceServers).toHaveBeenCalledTimes(1);
    await joined(t);
    expect(t.fetchIceServers).toHaveBeenCalledTimes(1);
    t.session.leave();

    // A minute later they count as old: the join fetches again.
    t.session.prepareJoin();
    t.setClock(1_000 + 61_000);
    const before = t.fetchIceServers.mock.calls.length;
    t.medias.length = 0;
    await joined(t);
    expect(t.fetchIceServers.mock.calls.length).toBe(before + 1);
    t.client.close();
  });

  it('renews the credentials before they expire, for as long as the call lasts', async () => {
    const t = setup();
    const { media } = await joined(t);
    const fetches = t.fetchIceServers.mock.calls.length;
    const fresher = { ...grant, iceServers: [{ urls: ['turn:fresher'], username: '99:b', credential: 'y' }] };
    t.fetchIceServers.mockResolvedValueOnce(fresher);
    t.timers.advance(300_000); // half of the 600 s lifetime
    await vi.waitFor(() => expect(media.setIceConfig).toHaveBeenLastCalledWith({ iceServers: fresher.iceServers, iceTransportPolicy: 'relay' }));
    expect(t.fetchIceServers.mock.calls.length).toBe(fetches + 1);
    t.session.leave();
    t.timers.advance(3_600_000);
    expect(t.fetchIceServers.mock.calls.length).toBe(fetches + 1);
    t.client.close();
  });

  it('restarts ICE with everyone when the network changes, only while in the call', async () => {
    const t = setup();
    t.network.fire('online');
    const { media } = await joined(t);
    t.network.fire('connection');
    expect(media.restartIce).toHaveBeenCalledTimes(1);
    t.network.fire('online');
    expect(media.restartIce).toHaveBeenCalledTimes(2);
    t.client.close();
  });

  it('pauses the video of peers nobody can see (tile off screen, page hidden) after 2 s, and resumes at once', async () => {
    const t = setup();
    const { media } = await joined(t);
    media.setPeers([peer('a')]);
    t.session.setTileVisible('a', false);
    t.timers.advance(1_000);
    t.session.setTileVisible('a', true); // scrolled back quickly: nothing happens
    t.timers.advance(5_000);
    expect(media.setVideoWanted).not.toHaveBeenCalled();

    t.visibility.set(true);
    t.timers.advance(2_000);
    expect(media.setVideoWanted).toHaveBeenLastCalledWith('a', false);
    t.visibility.set(false);
    expect(media.setVideoWanted).toHaveBeenLastCalledWith('a', true);
    expect(media.setVideoWanted).toHaveBeenCalledTimes(2);
    t.client.close();
  });

  it('reports time to first media with the link\'s path, and each ICE failure, as call:report', async () => {
    const t = setup();
    t.setClock(5_000); // "Join call"
    const { media } = await joined(t);
    media.setPeers([peer('a', { firstFrameAt: 5_240, path: 'direct' })]);
    expect(t.sentOf('call:report')).toMatchObject([{ data: { callId: 'c1', peerId: 'a', firstMediaMs: 240, path: 'direct' } }]);
    expect(callStore.getState().firstMediaMs).toEqual({ a: 240 });
    // Once per peer; an ICE restart is reported by itself.
    media.setPeers([peer('a', { firstFrameAt: 5_240, path: 'direct', iceRestarts: 1 })]);
    expect(t.sentOf('call:report')).toHaveLength(2);
    expect(t.sentOf('call:report')[1]).toMatchObject({ data: { peerId: 'a', path: 'direct', iceFailure: 'ice-restart' } });

    // Carol joins after us: her time counts from her joining, and the path is asked for.
    t.setClock(9_000);
    t.socket.push('call:participant-joined', { callId: 'c1', memberId: 'c' });
    media.collectStats.mockImplementationOnce(async () => {
      media.setPeers([peer('a', { firstFrameAt: 5_240, path: 'direct', iceRestarts: 1 }), peer('c', { firstFrameAt: 9_300, path: 'relay' })]);
    });
    media.setPeers([peer('a', { firstFrameAt: 5_240, path: 'direct', iceRestarts: 1 }), peer('c', { firstFrameAt: 9_300 })]);
    await vi.waitFor(() => expect(t.sentOf('call:report')).toHaveLength(3));
    expect(t.sentOf('call:report')[2]).toMatchObject({ data: { peerId: 'c', firstMediaMs: 300, path: 'relay' } });
    t.client.close();
  });

  it('after a reconnect into a call that goes on: call:join again, the snapshot\'s credentials, ICE restart', async () => {
    const t = setup();
    const { media } = await joined(t);
    t.session.resync();
    const rejoin = t.sentOf('call:join').at(-1)!;
    expect(rejoin.data).toEqual({ callId: 'c1' });
    expect(media.setIceConfig).toHaveBeenLastCalledWith(snapshotIce);
    expect(media.resync).toHaveBeenCalledWith(['a']);

    // The server refuses the rejoin (someone took our place): out of the call, in words.
    t.socket.push('error', { code: 'call_full', message: 'full', rid: rejoin.rid });
    expect(media.close).toHaveBeenCalled();
    expect(callStore.getState()).toMatchObject({ phase: 'idle', callMedia: null, notice: { kind: 'full' } });
    t.client.close();
  });

  it('after a reconnect into a room whose call ended: everything closes', async () => {
    const t = setup();
    const { media } = await joined(t);
    t.room.call = null;
    t.session.resync();
    expect(media.close).toHaveBeenCalled();
    expect(callStore.getState().phase).toBe('idle');
    expect(callStore.getState().notice?.title).toBe('The call ended while you were offline.');
    t.client.close();
  });

  it('feeds participants and signals to the media layer, and closes it when the call ends', async () => {
    const t = setup();
    const { media } = await joined(t);
    t.socket.push('call:participant-joined', { callId: 'c1', memberId: 'c' });
    expect(media.participantJoined).toHaveBeenCalledWith('c');
    const offer = { from: 'c', callId: 'c1', sdp: 'v=0' };
    t.socket.push('signal:offer', offer);
    expect(media.handleSignal).toHaveBeenCalledWith('signal:offer', offer);
    t.socket.push('call:participant-left', { callId: 'c1', memberId: 'c', reason: 'left' });
    expect(media.participantLeft).toHaveBeenCalledWith('c');
    t.socket.push('call:ended', { callId: 'c1', reason: 'ended', endedBy: 'a' });
    expect(media.close).toHaveBeenCalled();
    expect(callStore.getState().phase).toBe('idle');
    t.client.close();
  });

  it('"Leave call" tells the server and stops the camera; a stale listing after a reload is left', async () => {
    const t = setup();
    const { media } = await joined(t);
    t.session.leave();
    expect(t.socket.sent.at(-1)).toMatchObject({ type: 'call:leave', data: { callId: 'c1' } });
    expect(media.close).toHaveBeenCalled();
    // Now idle, but a snapshot still lists us: leave it rather than leave the others waiting.
    t.session.resync();
    expect(t.socket.sent.at(-1)).toMatchObject({ type: 'call:leave', data: { callId: 'c1' } });
    t.client.close();
  });

  it('says when the call is full, with this server\'s capacity, and keeps the camera as the preview', async () => {
    const t = setup({ call: aliceOnly, capacity: 4 });
    const joining = t.session.join();
    expect(callStore.getState().phase).toBe('joining');
    const join = t.sentOf('call:join').at(-1)!;
    t.socket.push('error', { code: 'call_full', message: 'The call is full', rid: join.rid });
    await joining;
    expect(callStore.getState()).toMatchObject({
      phase: 'idle',
      notice: { kind: 'full', title: 'This call is full.', help: 'A call holds up to 4 people. You can join as soon as someone leaves.' },
    });
    await vi.waitFor(() => expect(callStore.getState().prejoin.stream).not.toBeNull());
    t.client.close();
  });
});
