import { describe, expect, it, vi } from 'vitest';
import { FakeCall, fakeStream, fakeTrack, settleMicrotasks, type FakePeerConnection } from './fakes';
import { isPolite, MeshManager } from './mesh';
import type { PeerState } from './types';

function media(owner: string) {
  const audio = fakeTrack('audio', `${owner}-mic`);
  const video = fakeTrack('video', `${owner}-cam`);
  return { audio, video, stream: fakeStream(`${owner}-stream`, [audio, video]) };
}

/** Both ends agree: stable, same sections, each sending what the other receives. */
function expectNegotiated(left: FakePeerConnection, right: FakePeerConnection): void {
  expect(left.signalingState).toBe('stable');
  expect(right.signalingState).toBe('stable');
  const mids = (pc: FakePeerConnection) => pc.transceivers.map((t) => `${t.kind}:${t.mid}`).sort();
  expect(mids(left)).toEqual(mids(right));
  expect(left.pendingOperations).toBe(0);
  expect(right.pendingOperations).toBe(0);
}

function offersFrom(call: FakeCall, from: string): number {
  return call.sent.filter((m) => m.from === from && m.type === 'signal:offer').length;
}

describe('isPolite', () => {
  it('makes the lower member id the polite one', () => {
    expect(isPolite('a', 'b')).toBe(true);
    expect(isPolite('b', 'a')).toBe(false);
    expect(isPolite('0f3c', '9a01')).toBe(true);
  });
});

describe('MeshManager', () => {
  it('has the newcomer offer and the others answer with their media, in one round trip', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const carol = call.join('c');
    const aliceMedia = media('a');
    const carolMedia = media('c');
    alice.setLocalStream(aliceMedia.stream);
    carol.setLocalStream(carolMedia.stream);

    alice.participantJoined('c'); // alice was there first: she waits
    carol.connectTo(['a', 'c']); // carol just joined: she offers (and skips herself)
    await call.settle();

    expect(offersFrom(call, 'a')).toBe(0);
    expect(offersFrom(call, 'c')).toBe(1);
    expect(call.sent.filter((m) => m.type === 'signal:answer')).toHaveLength(1);
    const ac = call.pc('a', 'c');
    const ca = call.pc('c', 'a');
    expectNegotiated(ac, ca);
    expect(ac.transceivers).toHaveLength(2);
    // Alice's tracks went onto the sections Carol's offer created, both ways sending.
    expect(ac.transceivers.map((t) => t.sender.track)).toEqual([aliceMedia.audio, aliceMedia.video]);
    expect(ac.transceivers.map((t) => t.currentDirection)).toEqual(['sendrecv', 'sendrecv']);
    expect(ca.transceivers.map((t) => t.currentDirection)).toEqual(['sendrecv', 'sendrecv']);
    expect(call.connectionsOf('c')).toHaveLength(1);
    expect(ac.configuration.iceServers).toEqual([{ urls: 'stun:127.0.0.1:3478' }]);
    // Remote tracks reached the peer state.
    expect(alice.getSnapshot()[0]?.remoteTracks).toHaveLength(2);
    expect(call.errors).toEqual([]);
  });

  it('trickles ICE candidates with to and callId, and null at the end', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    call.join('b').participantJoined('a');
    alice.setLocalStream(media('a').stream);
    alice.connectTo(['b']);
    await call.settle();
    const ice = call.sent.filter((m) => m.type === 'signal:ice');
    const fromAlice = ice.filter((m) => m.from === 'a');
    expect(fromAlice.length).toBe(2);
    expect(fromAlice[0]?.data).toMatchObject({ to: 'b', callId: 'call-1', candidate: { sdpMid: '0' } });
    expect(fromAlice[1]?.data).toEqual({ to: 'b', callId: 'call-1', candidate: null });
    // The other side added the candidate and the end-of-candidates marker.
    expect(call.pc('b', 'a').addedCandidates).toEqual([fromAlice[0]?.data.candidate, null]);
  });

  it('connects a newcomer without camera or microphone: it still receives, the other side still sends', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    const aliceMedia = media('a');
    alice.setLocalStream(aliceMedia.stream);
    alice.participantJoined('b');
    bob.connectTo(['a']);
    await call.settle();
    const ab = call.pc('a', 'b');
    const ba = call.pc('b', 'a');
    expectNegotiated(ab, ba);
    expect(ba.transceivers.map((t) => t.currentDirection)).toEqual(['recvonly', 'recvonly']);
    expect(ab.transceivers.map((t) => t.currentDirection)).toEqual(['sendonly', 'sendonly']);

    // Bob's camera comes on later: addTrack reuses his receive-only section; one renegotiation.
    const cam = fakeTrack('video', 'b-cam');
    bob.setLocalStream(fakeStream('b-stream', [cam]));
    await call.settle();
    expectNegotiated(ab, ba);
    expect(ba.transceivers).toHaveLength(2);
    expect(ba.transceivers[1]?.sender.track).toBe(cam);
    expect(ba.transceivers[1]?.currentDirection).toBe('sendrecv');
    expect(offersFrom(call, 'b')).toBe(2);
  });

  it('resolves glare: both offer at once, the polite side rolls back, one connection per pair', async () => {
    for (const firstDelivered of ['a', 'b']) {
      const call = new FakeCall();
      const alice = call.join('a');
      const bob = call.join('b');
      alice.setLocalStream(media('a').stream);
      bob.setLocalStream(media('b').stream);

      call.hold = true;
      alice.connectTo(['b']);
      bob.connectTo(['a']);
      await call.settle();
      const ab = call.pc('a', 'b');
      const ba = call.pc('b', 'a');
      expect(ab.signalingState).toBe('have-local-offer');
      expect(ba.signalingState).toBe('have-local-offer');

      // The offers cross on the wire.
      call.hold = false;
      call.deliver((m) => m.from === firstDelivered);
      await call.settle();

      expectNegotiated(ab, ba);
      expect(alice.getSnapshot()).toHaveLength(1);
      expect(bob.getSnapshot()).toHaveLength(1);
      expect(call.connections).toHaveLength(2);
      // 'a' < 'b': Alice is polite and gave way; Bob kept his offer.
      expect(alice.getSnapshot()[0]?.polite).toBe(true);
      expect(ab.rollbacks).toBe(1);
      expect(ba.rollbacks).toBe(0);
      expect(offersFrom(call, 'a')).toBe(1);
      expect(offersFrom(call, 'b')).toBe(1);
      // Alice's own sections were reused for Bob's offer: no duplicates, both ways sending.
      expect(ab.transceivers).toHaveLength(2);
      expect(ab.transceivers.every((t) => t.currentDirection === 'sendrecv')).toBe(true);
      expect(ba.transceivers.every((t) => t.currentDirection === 'sendrecv')).toBe(true);
      expect(call.errors).toEqual([]);
    }
  });

  it('closes and removes the connection of a participant who leaves, and ignores their late signals', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    const carol = call.join('c');
    for (const [id, mesh] of [['a', alice], ['b', bob], ['c', carol]] as const) mesh.setLocalStream(media(id).stream);
    bob.participantJoined('c');
    alice.participantJoined('b');
    alice.participantJoined('c');
    bob.connectTo(['a']);
    carol.connectTo(['a', 'b']);
    await call.settle();
    expect(alice.getSnapshot().map((p) => p.memberId).sort()).toEqual(['b', 'c']);
    expectNegotiated(call.pc('a', 'c'), call.pc('c', 'a'));
    expectNegotiated(call.pc('b', 'c'), call.pc('c', 'b'));

    const seen: (readonly PeerState[])[] = [];
    alice.subscribe((peers) => seen.push(peers));
    alice.participantLeft('c');
    expect(call.pc('a', 'c').closed).toBe(true);
    expect(call.pc('a', 'c').onicecandidate).toBeNull();
    expect(alice.getSnapshot().map((p) => p.memberId)).toEqual(['b']);
    expect(seen).toHaveLength(1);
    expect(call.pc('a', 'b').closed).toBe(false);

    // A late offer from Carol does not bring her back.
    const before = call.connections.length;
    await alice.handleSignal('signal:offer', { from: 'c', callId: 'call-1', sdp: call.pc('c', 'a').localDescription!.sdp });
    expect(call.connections.length).toBe(before);
    expect(alice.getSnapshot()).toHaveLength(1);

    // Unless she joins the call again.
    alice.participantJoined('c');
    expect(alice.getSnapshot()).toHaveLength(2);
    expect(call.connections.length).toBe(before + 1);
  });

  it('ignores signals for another call, from ourselves, and non-offers from strangers', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    bob.setLocalStream(media('b').stream);
    alice.participantJoined('b');
    bob.connectTo(['a']);
    await call.settle();
    const ab = call.pc('a', 'b');
    const candidates = ab.addedCandidates.length;
    const offer = call.pc('b', 'a').localDescription!.sdp;

    await alice.handleSignal('signal:offer', { from: 'd', callId: 'call-2', sdp: offer });
    await alice.handleSignal('signal:ice', { from: 'b', callId: 'call-2', candidate: { candidate: 'x', sdpMid: '0' } });
    await alice.handleSignal('signal:answer', { from: 'b', callId: 'old-call', sdp: offer });
    await alice.handleSignal('signal:offer', { from: 'a', callId: 'call-1', sdp: offer });
    await alice.handleSignal('signal:answer', { from: 'd', callId: 'call-1', sdp: offer });
    await alice.handleSignal('signal:ice', { from: 'd', callId: 'call-1', candidate: null });

    expect(call.connectionsOf('a')).toHaveLength(1);
    expect(ab.addedCandidates.length).toBe(candidates);
    expect(ab.signalingState).toBe('stable');
    expect(alice.getSnapshot().map((p) => p.memberId)).toEqual(['b']);
    expect(call.errors).toEqual([]);
  });

  it('makes the connection when an offer overtakes call:participant-joined', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    bob.connectTo(['a']); // Alice has not heard of Bob yet
    await call.settle();
    expectNegotiated(call.pc('a', 'b'), call.pc('b', 'a'));
    alice.participantJoined('b'); // arrives late: nothing changes
    expect(call.connectionsOf('a')).toHaveLength(1);
  });

  it('restarts ICE when a connection fails', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    alice.setLocalStream(media('a').stream);
    bob.participantJoined('a');
    alice.connectTo(['b']);
    await call.settle();
    const ab = call.pc('a', 'b');
    const ba = call.pc('b', 'a');
    ab.setConnectionState('connected');
    ba.setConnectionState('connected');
    const ufrag = JSON.parse(ab.localDescription!.sdp).ufrag as number;

    ab.setConnectionState('failed');
    expect(ab.restartIceCalls).toBe(1);
    expect(alice.getSnapshot()[0]?.quality).toBe('reconnecting');
    await call.settle();
    // A new offer with fresh ICE credentials went out and was answered on the same connection.
    expect(JSON.parse(ab.localDescription!.sdp).ufrag).toBe(ufrag + 1);
    expectNegotiated(ab, ba);
    expect(call.connections).toHaveLength(2);
    ab.setConnectionState('connected');
    expect(alice.getSnapshot()[0]?.quality).toBe('good');
  });

  it('restarts ICE after a few seconds disconnected, not before, and not if it recovers', async () => {
    const call = new FakeCall();
    const alice = call.join('a', { disconnectedTimeoutMs: 4000 });
    call.join('b').participantJoined('a');
    alice.setLocalStream(media('a').stream);
    alice.connectTo(['b']);
    await call.settle();
    const ab = call.pc('a', 'b');
    ab.setConnectionState('connected');

    ab.setConnectionState('disconnected');
    call.timers.advance(3000);
    ab.setConnectionState('connected'); // a blip
    call.timers.advance(5000);
    expect(ab.restartIceCalls).toBe(0);

    ab.setConnectionState('disconnected');
    call.timers.advance(3999);
    expect(ab.restartIceCalls).toBe(0);
    call.timers.advance(1);
    expect(ab.restartIceCalls).toBe(1);
    await call.settle();
    expectNegotiated(ab, call.pc('b', 'a'));
  });

  it('makes an offer again when the first one was lost', async () => {
    const call = new FakeCall();
    const alice = call.join('a', { offerTimeoutMs: 10_000 });
    const bob = call.join('b');
    bob.participantJoined('a');
    alice.setLocalStream(media('a').stream);
    call.drop = (m) => m.type === 'signal:offer'; // lost while Bob was reconnecting
    alice.connectTo(['b']);
    await call.settle();
    const ab = call.pc('a', 'b');
    expect(ab.signalingState).toBe('have-local-offer');
    call.drop = null;
    call.timers.advance(10_000);
    await call.settle();
    expect(ab.rollbacks).toBe(1);
    expect(offersFrom(call, 'a')).toBe(2);
    expectNegotiated(ab, call.pc('b', 'a'));
    expect(call.errors).toEqual([]);
  });

  it('on resync, drops peers that left, restarts ICE with the others and offers to newcomers', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    const carol = call.join('c');
    alice.setLocalStream(media('a').stream);
    bob.participantJoined('a');
    carol.participantJoined('a');
    alice.connectTo(['b', 'c']);
    await call.settle();
    const ab = call.pc('a', 'b');
    const ac = call.pc('a', 'c');

    const dave = call.join('d');
    dave.participantJoined('a');
    alice.resync(['a', 'b', 'd']);
    expect(ac.closed).toBe(true);
    expect(ab.restartIceCalls).toBe(1);
    await call.settle();
    expectNegotiated(ab, call.pc('b', 'a'));
    expectNegotiated(call.pc('a', 'd'), call.pc('d', 'a'));
    expect(alice.getSnapshot().map((p) => p.memberId)).toEqual(['b', 'd']);
  });

  it('replaces tracks on the senders without renegotiating (device switch, screen share, mute)', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    const carol = call.join('c');
    alice.setLocalStream(media('a').stream);
    bob.participantJoined('a');
    carol.participantJoined('a');
    alice.connectTo(['b', 'c']);
    await call.settle();
    const offers = call.sent.filter((m) => m.type === 'signal:offer').length;

    const screen = fakeTrack('video', 'a-screen');
    await alice.replaceTrack('video', screen);
    await alice.replaceTrack('audio', null);
    await call.settle();
    for (const remote of ['b', 'c']) {
      const pc = call.pc('a', remote);
      expect(pc.transceivers[1]?.sender.track).toBe(screen);
      expect(pc.transceivers[0]?.sender.track).toBeNull();
      expect(pc.transceivers[1]?.sender.replaceTrackCalls).toBe(1);
    }
    expect(call.sent.filter((m) => m.type === 'signal:offer').length).toBe(offers);

    // A new stream (another camera) swaps tracks the same way.
    const other = media('a2');
    alice.setLocalStream(other.stream);
    await call.settle();
    expect(call.pc('a', 'b').transceivers.map((t) => t.sender.track)).toEqual([other.audio, other.video]);
    expect(call.sent.filter((m) => m.type === 'signal:offer').length).toBe(offers);
  });

  it('keeps the answerer\'s media until the offer comes, then answers with it', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    alice.participantJoined('b');
    const late = media('a');
    alice.setLocalStream(late.stream); // set while waiting for Bob's offer
    expect(call.pc('a', 'b').transceivers).toHaveLength(0);
    bob.connectTo(['a']);
    await call.settle();
    expect(call.pc('a', 'b').transceivers.map((t) => t.sender.track)).toEqual([late.audio, late.video]);
    expect(offersFrom(call, 'a')).toBe(0);
  });

  it('close() closes every connection and leaves nothing to fire', async () => {
    const call = new FakeCall();
    const alice = call.join('a', { statsIntervalMs: 1000 });
    // Only Alice's timers are counted below (Bob and Carol would watch for her first frame).
    const bob = call.join('b', { firstFrameIntervalMs: 0 });
    const carol = call.join('c', { firstFrameIntervalMs: 0 });
    alice.setLocalStream(media('a').stream);
    bob.participantJoined('a');
    carol.participantJoined('a');
    alice.connectTo(['b', 'c']);
    await call.settle();
    call.pc('a', 'b').setConnectionState('disconnected');
    expect(call.timers.pending).toBe(2); // the stats poll and the disconnected timer
    const listener = vi.fn();
    alice.subscribe(listener);

    alice.close();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenLastCalledWith([]);
    expect(alice.getSnapshot()).toEqual([]);
    for (const pc of call.connectionsOf('a')) {
      expect(pc.closed).toBe(true);
      expect([pc.onnegotiationneeded, pc.onicecandidate, pc.onconnectionstatechange, pc.ontrack]).toEqual([
        null,
        null,
        null,
        null,
      ]);
    }
    expect(call.timers.pending).toBe(0);

    // Later signals and calls do nothing.
    const fromAlice = () => call.sent.filter((m) => m.from === 'a').length;
    const sent = fromAlice();
    await alice.handleSignal('signal:offer', { from: 'd', callId: 'call-1', sdp: call.pc('b', 'a').localDescription!.sdp });
    await alice.handleSignal('signal:ice', { from: 'b', callId: 'call-1', candidate: null });
    alice.participantJoined('e');
    alice.connectTo(['f']);
    alice.resync(['b', 'c']);
    await alice.replaceTrack('video', null);
    await call.settle();
    expect(call.connectionsOf('a')).toHaveLength(2);
    expect(fromAlice()).toBe(sent);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(call.errors).toEqual([]);
  });

  it('close() in the middle of a negotiation sends nothing more', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    call.join('b').participantJoined('a');
    alice.setLocalStream(media('a').stream);
    alice.connectTo(['b']);
    alice.close(); // before negotiationneeded has even fired
    await call.settle();
    expect(call.sent).toEqual([]);
    expect(call.errors).toEqual([]);
  });

  it('polls getStats into each peer\'s state and badge', async () => {
    const call = new FakeCall();
    const alice = call.join('a', { statsIntervalMs: 2000 });
    call.join('b').participantJoined('a');
    alice.setLocalStream(media('a').stream);
    alice.connectTo(['b']);
    await call.settle();
    const ab = call.pc('a', 'b');
    ab.setConnectionState('connected');
    const report = (timestamp: number, bytes: number) =>
      new Map<string, object>([
        ['T', { id: 'T', type: 'transport', timestamp, selectedCandidatePairId: 'P' }],
        ['P', { id: 'P', type: 'candidate-pair', timestamp, localCandidateId: 'L', currentRoundTripTime: 0.05 }],
        ['L', { id: 'L', type: 'local-candidate', timestamp, candidateType: 'relay' }],
        [
          'V',
          { id: 'V', type: 'inbound-rtp', kind: 'video', timestamp, bytesReceived: bytes, packetsReceived: 100, framesDecoded: 30 },
        ],
      ]);
    ab.statsReport = report(1000, 0);
    call.timers.advance(2000);
    await settleMicrotasks();
    expect(alice.getSnapshot()[0]?.stats).toMatchObject({ rttMs: 50, relayed: true, framesDecoded: 30, inboundBitrate: null });
    expect(alice.getSnapshot()[0]?.quality).toBe('good');
    expect(alice.getSnapshot()[0]?.path).toBe('relay');
    ab.statsReport = report(3000, 250_000);
    call.timers.advance(2000);
    await settleMicrotasks();
    expect(alice.getSnapshot()[0]?.stats?.inboundBitrate).toBe(1_000_000);
    alice.close();
  });

  it('passes the room\'s ICE servers and the transport policy, and applies fresh ones', async () => {
    const created: RTCConfiguration[] = [];
    const call = new FakeCall();
    const turn = { urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'p' };
    const alice = call.join('a', { ice: { iceServers: [turn], iceTransportPolicy: 'relay' } });
    alice.participantJoined('b');
    created.push(call.pc('a', 'b').configuration);
    expect(created[0]).toEqual({ iceServers: [turn], iceTransportPolicy: 'relay', bundlePolicy: 'max-bundle' });
    const fresh = { ...turn, credential: 'q' };
    alice.setIceConfig({ iceServers: [fresh], iceTransportPolicy: 'relay' });
    expect(call.pc('a', 'b').configuration.iceServers).toEqual([fresh]);
    alice.close();
  });

  it('budgets every video sender by the number of peers, and gives the budget back as peers leave', async () => {
    const call = new FakeCall();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const meshes = ids.map((id) => call.join(id));
    meshes.forEach((mesh, i) => mesh.setLocalStream(media(ids[i]!).stream));
    // Each joins in turn and offers to those already there.
    for (let i = 1; i < ids.length; i++) {
      for (let j = 0; j < i; j++) meshes[j]!.participantJoined(ids[i]!);
      meshes[i]!.connectTo(ids.slice(0, i));
      await call.settle();
    }
    // Budgets go on once a link is up.
    for (const pc of call.connections) pc.setConnectionState('connected');
    await settleMicrotasks();
    const sender = (owner: string, remote: string, kind: 'audio' | 'video') =>
      call.pc(owner, remote).transceivers.find((t) => t.kind === kind && t.sender.track !== null)!.sender;
    for (const owner of ids) {
      for (const remote of ids.filter((id) => id !== owner)) {
        expect(sender(owner, remote, 'video').parameters.encodings[0]).toMatchObject({ maxBitrate: 400_000, scaleResolutionDownBy: 2 });
        expect(sender(owner, remote, 'audio').parameters.encodings[0]).toMatchObject({ maxBitrate: 48_000, priority: 'high' });
      }
    }
    expect(meshes[0]!.getSnapshot().map((p) => p.maxVideoBitrate)).toEqual([400_000, 400_000, 400_000, 400_000, 400_000]);

    // Four leave: the two left get a one-peer budget.
    for (const gone of ['c', 'd', 'e', 'f']) {
      meshes[0]!.participantLeft(gone);
      meshes[1]!.participantLeft(gone);
    }
    await settleMicrotasks();
    expect(sender('a', 'b', 'video').parameters.encodings[0]).toMatchObject({ maxBitrate: 1_500_000, scaleResolutionDownBy: 1 });

    // Sharing the screen keeps its resolution.
    meshes[0]!.setVideoSource('screen');
    await settleMicrotasks();
    expect(sender('a', 'b', 'video').parameters.encodings[0]).toMatchObject({ scaleResolutionDownBy: 1, maxFramerate: 15 });
    for (const mesh of meshes) mesh.close();
  });

  it('counts ICE failures, and notes when the first remote video frame was decoded', async () => {
    let clock = 1_000;
    const call = new FakeCall();
    const alice = call.join('a', { now: () => clock });
    const bob = call.join('b');
    alice.setLocalStream(media('a').stream);
    bob.setLocalStream(media('b').stream);
    bob.participantJoined('a');
    alice.connectTo(['b']);
    await call.settle();
    const ab = call.pc('a', 'b');
    ab.setConnectionState('connected');
    expect(alice.getSnapshot()[0]?.firstFrameAt).toBeNull();

    // No frame yet: polled fast, nothing noted.
    call.timers.advance(25);
    await settleMicrotasks();
    expect(alice.getSnapshot()[0]?.firstFrameAt).toBeNull();
    ab.statsReport = new Map([['V', { id: 'V', type: 'inbound-rtp', kind: 'video', timestamp: 5, framesDecoded: 1 }]]);
    clock = 1_180;
    call.timers.advance(25);
    await settleMicrotasks();
    expect(alice.getSnapshot()[0]?.firstFrameAt).toBe(1_180);

    ab.setConnectionState('failed');
    expect(alice.getSnapshot()[0]?.iceRestarts).toBe(1);
    expect(ab.restartIceCalls).toBe(1);
    ab.setConnectionState('disconnected');
    call.timers.advance(4_000);
    expect(alice.getSnapshot()[0]?.iceRestarts).toBe(2);
    alice.close();
    bob.close();
    expect(call.timers.pending).toBe(0);
  });

  it('asks a peer to stop sending video while their tile is off screen, and to send it again', async () => {
    const call = new FakeCall();
    const alice = call.join('a');
    const bob = call.join('b');
    alice.setLocalStream(media('a').stream);
    bob.setLocalStream(media('b').stream);
    bob.participantJoined('a');
    alice.connectTo(['b']);
    await call.settle();
    const video = (owner: string, remote: string) => call.pc(owner, remote).transceivers.find((t) => t.kind === 'video')!;
    expect(video('b', 'a').currentDirection).toBe('sendrecv');

    alice.setVideoWanted('b', false);
    await call.settle();
    expect(video('a', 'b').currentDirection).toBe('sendonly'); // Alice still sends hers
    expect(video('b', 'a').currentDirection).toBe('recvonly'); // Bob no longer sends to Alice
    expectNegotiated(call.pc('a', 'b'), call.pc('b', 'a'));

    alice.setVideoWanted('b', true);
    await call.settle();
    expect(video('b', 'a').currentDirection).toBe('sendrecv');
    alice.close();
    bob.close();
  });

  it('survives a sendSignal that throws (socket down) and reports it', async () => {
    const errors: unknown[] = [];
    const call = new FakeCall();
    const alice = call.join('a', {
      sendSignal: () => {
        throw new Error('not connected');
      },
      onError: (e) => errors.push(e),
    });
    alice.setLocalStream(media('a').stream);
    alice.connectTo(['b']);
    await call.settle();
    expect(errors.length).toBeGreaterThan(0);
    expect(call.pc('a', 'b').signalingState).toBe('have-local-offer');
    alice.close();
  });

  it('does not touch the browser\'s RTCPeerConnection before a peer is added', () => {
    const mesh = new MeshManager({ selfId: 'a', callId: 'c', ice: { iceServers: [], iceTransportPolicy: 'all' }, sendSignal: () => {}, statsIntervalMs: 0 });
    expect(mesh.getSnapshot()).toEqual([]);
    mesh.close();
  });
});
