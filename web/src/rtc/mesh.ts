/**
 * Full-mesh calls: one RTCPeerConnection per remote participant.
 *
 * Negotiation is the W3C "perfect negotiation" pattern: either side may offer at any time
 * (`negotiationneeded` → `setLocalDescription()` → signal); when offers cross, the polite side
 * (the one whose member id is lower) rolls its own back and answers, the impolite side ignores
 * the other's offer. Who offers first is still fixed so that a normal join has no collision:
 * the participant who joins offers to everyone already there (`connectTo`), and those wait for
 * the offer (`participantJoined`) and attach their media only when answering it. README.md
 * explains the choices.
 *
 * Framework-free: React reads it through `subscribe`/`getSnapshot`. Signals go out through the
 * injected `sendSignal`; the peer connection factory and timers are injectable for tests.
 */
import { AUDIO_MAX_BITRATE, videoBudget } from './governor';
import { classifyQuality, linkPath, summarizeStats } from './stats';
import type {
  CallMedia,
  IceCandidateLike,
  IceConfig,
  IncomingSignalMap,
  MediaKind,
  OutgoingSignalMap,
  PeerConnectionFactory,
  PeerConnectionLike,
  PeersListener,
  PeerState,
  SendSignal,
  SenderLike,
  SignalType,
} from './types';

export interface MeshTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface MeshOptions {
  selfId: string;
  callId: string;
  /** STUN and TURN with their credentials, and the policy (`relay`: TURN only). */
  ice: IceConfig;
  sendSignal: SendSignal;
  createPeerConnection?: PeerConnectionFactory;
  /** For remote tracks that arrive without a stream; null leaves `remoteStream` null. */
  createMediaStream?: () => MediaStream | null;
  timers?: MeshTimers;
  /** A connection `disconnected` this long gets an ICE restart. */
  disconnectedTimeoutMs?: number;
  /** An offer unanswered this long (a signal lost in a reconnect) is rolled back and made again. */
  offerTimeoutMs?: number;
  /** How often getStats() runs per peer; 0 turns the polling off. */
  statsIntervalMs?: number;
  /**
   * Until a peer's first video frame is decoded, its stats are read this often, so the time to
   * first media is known within this much; 0 turns it off.
   */
  firstFrameIntervalMs?: number;
  /** The clock of `PeerState.firstFrameAt` (ms). */
  now?: () => number;
  /** Failures inside negotiation that have no caller to throw to. */
  onError?: (error: unknown, memberId: string) => void;
}

export const DISCONNECTED_TIMEOUT_MS = 4_000;
export const OFFER_TIMEOUT_MS = 10_000;
export const STATS_INTERVAL_MS = 2_000;
export const FIRST_FRAME_INTERVAL_MS = 25;
/** A peer whose video never comes is not polled fast for ever. */
export const FIRST_FRAME_WATCH_MS = 30_000;

const KINDS: readonly MediaKind[] = ['audio', 'video'];

const browserTimers: MeshTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
};

interface Peer {
  readonly memberId: string;
  readonly polite: boolean;
  readonly pc: PeerConnectionLike;
  // Perfect negotiation's three flags.
  makingOffer: boolean;
  ignoreOffer: boolean;
  isSettingRemoteAnswerPending: boolean;
  /** Local media is on this connection (the offerer at once, the answerer at the first offer). */
  attached: boolean;
  readonly senders: Map<MediaKind, SenderLike>;
  /** Incoming signals and watchdog actions run one at a time, in order. */
  queue: Promise<void>;
  disconnectedTimer: unknown;
  offerTimer: unknown;
  firstFrameTimer: unknown;
  firstFrameDeadline: number;
  /** setParameters calls on this peer's senders run one at a time. */
  parameters: Promise<void>;
  /** Their video is wanted (their tile is on screen); not wanted, we ask them to stop sending it. */
  videoWanted: boolean;
  statsInFlight: boolean;
  ownStream: MediaStream | null;
  closed: boolean;
  state: PeerState;
}

function candidateInit(candidate: IceCandidateLike): RTCIceCandidateInit {
  if (typeof candidate.toJSON === 'function') return candidate.toJSON();
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    usernameFragment: candidate.usernameFragment ?? null,
  };
}

/** For a pair of members, the one with the lower id is polite. */
export function isPolite(selfId: string, remoteId: string): boolean {
  return selfId < remoteId;
}

export class MeshManager implements CallMedia {
  readonly selfId: string;
  readonly callId: string;

  private ice: IceConfig;
  private readonly sendSignal: SendSignal;
  private readonly createPeerConnection: PeerConnectionFactory;
  private readonly createMediaStream: () => MediaStream | null;
  private readonly timers: MeshTimers;
  private readonly disconnectedTimeoutMs: number;
  private readonly offerTimeoutMs: number;
  private readonly firstFrameIntervalMs: number;
  private readonly now: () => number;
  private videoSource: 'camera' | 'screen' = 'camera';
  private readonly onError: (error: unknown, memberId: string) => void;

  private readonly peers = new Map<string, Peer>();
  /** Members who left the call: a late offer from them must not bring them back. */
  private readonly departed = new Set<string>();
  private readonly listeners = new Set<PeersListener>();
  private snapshot: readonly PeerState[] = [];
  private localStream: MediaStream | null = null;
  private readonly localTracks = new Map<MediaKind, MediaStreamTrack | null>();
  private statsTimer: unknown = null;
  private closed = false;

  constructor(options: MeshOptions) {
    this.selfId = options.selfId;
    this.callId = options.callId;
    this.ice = options.ice;
    this.sendSignal = options.sendSignal;
    this.createPeerConnection =
      options.createPeerConnection ??
      ((configuration) => new RTCPeerConnection(configuration) as unknown as PeerConnectionLike);
    this.createMediaStream =
      options.createMediaStream ?? (() => (typeof MediaStream === 'undefined' ? null : new MediaStream()));
    this.timers = options.timers ?? browserTimers;
    this.disconnectedTimeoutMs = options.disconnectedTimeoutMs ?? DISCONNECTED_TIMEOUT_MS;
    this.offerTimeoutMs = options.offerTimeoutMs ?? OFFER_TIMEOUT_MS;
    this.firstFrameIntervalMs = options.firstFrameIntervalMs ?? FIRST_FRAME_INTERVAL_MS;
    this.now = options.now ?? (() => (typeof performance === 'undefined' ? Date.now() : performance.now()));
    this.onError = options.onError ?? ((error, memberId) => console.warn(`[rtc] peer ${memberId}:`, error));
    const statsIntervalMs = options.statsIntervalMs ?? STATS_INTERVAL_MS;
    if (statsIntervalMs > 0) this.statsTimer = this.timers.setInterval(() => void this.collectStats(), statsIntervalMs);
  }

  // ---- participants ------------------------------------------------------------------------

  /** We just joined the call: offer to everyone already in it. Known peers are left alone. */
  connectTo(memberIds: Iterable<string>): void {
    for (const memberId of memberIds) {
      this.departed.delete(memberId);
      this.addPeer(memberId, 'offer');
    }
  }

  /** Someone joined after us (`call:participant-joined`): make their connection, wait for their offer. */
  participantJoined(memberId: string): void {
    this.departed.delete(memberId);
    this.addPeer(memberId, 'answer');
  }

  /** `call:participant-left`: close and forget their connection. */
  participantLeft(memberId: string): void {
    this.departed.add(memberId);
    const peer = this.peers.get(memberId);
    if (peer === undefined) return;
    this.teardown(peer);
    this.peers.delete(memberId);
    this.publish();
    this.applyBudgets();
  }

  /**
   * After our socket came back and the room state was reloaded (protocol.md: rejoin, then
   * restart ICE with the peers): peers no longer in the call go, the others get an ICE
   * restart, participants we did not know yet get an offer.
   */
  resync(memberIds: Iterable<string>): void {
    if (this.closed) return;
    const wanted = new Set([...memberIds].filter((id) => id !== this.selfId));
    for (const memberId of [...this.peers.keys()]) if (!wanted.has(memberId)) this.participantLeft(memberId);
    for (const memberId of wanted) {
      const peer = this.peers.get(memberId);
      if (peer === undefined) this.connectTo([memberId]);
      else this.restart(peer);
    }
  }

  /** Fresh TURN credentials (or another policy) for every connection, and those made later. */
  setIceConfig(config: IceConfig): void {
    this.ice = config;
    for (const peer of this.peers.values()) {
      try {
        peer.pc.setConfiguration(this.configuration());
      } catch (error) {
        this.onError(error, peer.memberId);
      }
    }
  }

  /** Restarts ICE with one peer, or with all. */
  restartIce(memberId?: string): void {
    for (const peer of this.peers.values()) if (memberId === undefined || peer.memberId === memberId) this.restart(peer);
  }

  // ---- signaling ---------------------------------------------------------------------------

  /**
   * A `signal:*` event from the server. Signals for another call, from ourselves, or (except
   * offers) from members we have no connection with are ignored. An offer from an unknown
   * participant creates their connection: their offer may overtake `call:participant-joined`.
   * Resolves when the signal has been handled; never rejects (failures go to `onError`).
   */
  handleSignal<K extends SignalType>(type: K, data: IncomingSignalMap[K]): Promise<void> {
    if (this.closed || data.callId !== this.callId || data.from === this.selfId) return Promise.resolve();
    let peer = this.peers.get(data.from);
    if (peer === undefined) {
      if (type !== 'signal:offer' || this.departed.has(data.from)) return Promise.resolve();
      peer = this.addPeer(data.from, 'answer');
      if (peer === undefined) return Promise.resolve();
    }
    const target = peer;
    return this.enqueue(target, () => this.processSignal(target, type, data));
  }

  private async processSignal<K extends SignalType>(peer: Peer, type: K, data: IncomingSignalMap[K]): Promise<void> {
    const pc = peer.pc;
    if (type === 'signal:ice') {
      const { candidate } = data as IncomingSignalMap['signal:ice'];
      try {
        await (candidate === null ? pc.addIceCandidate() : pc.addIceCandidate(candidate));
      } catch (error) {
        // Candidates of an offer we ignored fail by design.
        if (!peer.ignoreOffer && !peer.closed) throw error;
      }
      return;
    }

    const description = { type: type === 'signal:offer' ? 'offer' : 'answer', sdp: (data as { sdp: string }).sdp } as const;
    const readyForOffer =
      !peer.makingOffer && (pc.signalingState === 'stable' || peer.isSettingRemoteAnswerPending);
    const offerCollision = description.type === 'offer' && !readyForOffer;
    peer.ignoreOffer = !peer.polite && offerCollision;
    if (peer.ignoreOffer) return;

    peer.isSettingRemoteAnswerPending = description.type === 'answer';
    try {
      // On a collision the polite side's own offer is rolled back implicitly here.
      await pc.setRemoteDescription(description);
    } finally {
      peer.isSettingRemoteAnswerPending = false;
    }
    if (peer.closed) return;
    this.clearOfferTimer(peer);
    if (description.type === 'answer') {
      // A renegotiation (a sender added mid-call) may have made a new encoding.
      if (pc.connectionState === 'connected') this.applyBudget(peer);
      this.applyVideoWanted(peer);
      return;
    }

    // The answerer's media goes on now: addTrack takes the transceivers this offer created,
    // so the answer carries it and no second negotiation is needed.
    if (!peer.attached) this.attachLocalMedia(peer, false);
    await pc.setLocalDescription();
    if (peer.closed) return;
    this.sendLocalDescription(peer);
    if (pc.connectionState === 'connected') this.applyBudget(peer);
    this.applyVideoWanted(peer);
  }

  private async negotiate(peer: Peer): Promise<void> {
    try {
      peer.makingOffer = true;
      await peer.pc.setLocalDescription();
      if (!peer.closed) this.sendLocalDescription(peer);
    } catch (error) {
      if (!peer.closed) this.onError(error, peer.memberId);
    } finally {
      peer.makingOffer = false;
    }
  }

  private sendLocalDescription(peer: Peer): void {
    const description = peer.pc.localDescription;
    if (description === null) return;
    if (description.type === 'offer') {
      this.send('signal:offer', { to: peer.memberId, callId: this.callId, sdp: description.sdp }, peer);
      this.startOfferTimer(peer);
    } else if (description.type === 'answer') {
      this.send('signal:answer', { to: peer.memberId, callId: this.callId, sdp: description.sdp }, peer);
    }
  }

  private send<K extends SignalType>(type: K, data: OutgoingSignalMap[K], peer: Peer): void {
    try {
      this.sendSignal(type, data);
    } catch (error) {
      // Disconnected: the signal is lost; the offer timer or the resync's ICE restart recovers.
      this.onError(error, peer.memberId);
    }
  }

  private enqueue(peer: Peer, action: () => Promise<void>): Promise<void> {
    const run = peer.queue.then(async () => {
      if (peer.closed) return;
      try {
        await action();
      } catch (error) {
        if (!peer.closed) this.onError(error, peer.memberId);
      }
    });
    peer.queue = run;
    return run;
  }

  // ---- local media -------------------------------------------------------------------------

  /** Sends this stream's first audio and video track to every peer (null: send nothing). */
  setLocalStream(stream: MediaStream | null): void {
    this.localStream = stream;
    const tracks = new Map<MediaKind, MediaStreamTrack | null>([
      ['audio', stream?.getAudioTracks()[0] ?? null],
      ['video', stream?.getVideoTracks()[0] ?? null],
    ]);
    for (const [kind, track] of tracks) {
      this.localTracks.set(kind, track);
      for (const peer of this.peers.values()) {
        if (peer.attached) this.applyTrack(peer, kind, track).catch((error) => this.onError(error, peer.memberId));
      }
    }
  }

  /**
   * Swaps what we send of one kind (device switch, screen share, mute by `null`). Uses
   * RTCRtpSender.replaceTrack, so no renegotiation; only a peer with no sender of that kind
   * yet gets addTrack (and one renegotiation). Rejects with the first peer's failure.
   */
  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    this.localTracks.set(kind, track);
    const results = await Promise.allSettled(
      [...this.peers.values()].filter((peer) => peer.attached).map((peer) => this.applyTrack(peer, kind, track)),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private async applyTrack(peer: Peer, kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    if (peer.closed) return;
    const sender = peer.senders.get(kind);
    if (sender !== undefined) {
      if (sender.track !== track) await sender.replaceTrack(track);
      return;
    }
    if (track !== null) peer.senders.set(kind, peer.pc.addTrack(track, ...this.streams()));
  }

  private attachLocalMedia(peer: Peer, offering: boolean): void {
    peer.attached = true;
    for (const kind of KINDS) {
      const track = this.localTracks.get(kind) ?? null;
      if (track !== null) peer.senders.set(kind, peer.pc.addTrack(track, ...this.streams()));
      // The offer always has an audio and a video section, so the answerer can send both even
      // if we send neither (and a later addTrack here reuses the section).
      else if (offering) peer.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  private streams(): MediaStream[] {
    return this.localStream === null ? [] : [this.localStream];
  }

  // ---- peers -------------------------------------------------------------------------------

  private configuration(): RTCConfiguration {
    // One transport for audio and video from the start: half the candidates and checks.
    return { iceServers: this.ice.iceServers, iceTransportPolicy: this.ice.iceTransportPolicy, bundlePolicy: 'max-bundle' };
  }

  private addPeer(memberId: string, role: 'offer' | 'answer'): Peer | undefined {
    if (this.closed || memberId === this.selfId) return undefined;
    const existing = this.peers.get(memberId);
    if (existing !== undefined) return existing;

    const pc = this.createPeerConnection(this.configuration(), memberId);
    const polite = isPolite(this.selfId, memberId);
    const peer: Peer = {
      memberId,
      polite,
      pc,
      makingOffer: false,
      ignoreOffer: false,
      isSettingRemoteAnswerPending: false,
      attached: false,
      senders: new Map(),
      queue: Promise.resolve(),
      disconnectedTimer: null,
      offerTimer: null,
      firstFrameTimer: null,
      firstFrameDeadline: 0,
      parameters: Promise.resolve(),
      videoWanted: true,
      statsInFlight: false,
      ownStream: null,
      closed: false,
      state: {
        memberId,
        polite,
        connectionState: pc.connectionState,
        wasConnected: false,
        quality: classifyQuality(pc.connectionState, null),
        path: null,
        stats: null,
        firstFrameAt: null,
        iceRestarts: 0,
        maxVideoBitrate: null,
        remoteStream: null,
        remoteTracks: [],
      },
    };
    this.peers.set(memberId, peer);

    pc.onnegotiationneeded = () => void this.negotiate(peer);
    pc.onicecandidate = ({ candidate }) => {
      if (peer.closed) return;
      this.send(
        'signal:ice',
        { to: memberId, callId: this.callId, candidate: candidate === null ? null : candidateInit(candidate) },
        peer,
      );
    };
    pc.onconnectionstatechange = () => this.connectionChanged(peer);
    pc.ontrack = ({ track, streams }) => this.trackArrived(peer, track, streams);

    if (role === 'offer') {
      this.attachLocalMedia(peer, true);
      // Offer now rather than on `negotiationneeded`, which is a task and would wait behind
      // whatever the page renders meanwhile; the event then finds nothing left to negotiate.
      void this.negotiate(peer);
    }
    this.publish();
    this.applyBudgets();
    return peer;
  }

  private connectionChanged(peer: Peer): void {
    if (peer.closed) return;
    const state = peer.pc.connectionState;
    if (state !== 'disconnected') this.clearDisconnectedTimer(peer);
    if (state === 'failed') {
      this.update(peer, { iceRestarts: peer.state.iceRestarts + 1 });
      this.restart(peer);
    } else if (state === 'disconnected' && peer.disconnectedTimer === null) {
      peer.disconnectedTimer = this.timers.setTimeout(() => {
        peer.disconnectedTimer = null;
        if (peer.closed || peer.pc.connectionState !== 'disconnected') return;
        this.update(peer, { iceRestarts: peer.state.iceRestarts + 1 });
        this.restart(peer);
      }, this.disconnectedTimeoutMs);
    }
    // Encodings exist once the connection does; the budget may not have been applied yet.
    if (state === 'connected') this.applyBudget(peer);
    this.update(peer, { connectionState: state, wasConnected: peer.state.wasConnected || state === 'connected' });
  }

  private trackArrived(peer: Peer, track: MediaStreamTrack, streams: readonly MediaStream[]): void {
    if (peer.closed) return;
    let stream = streams[0] ?? peer.state.remoteStream;
    if (stream === null) {
      peer.ownStream ??= this.createMediaStream();
      stream = peer.ownStream;
    }
    if (stream !== null && stream === peer.ownStream && !stream.getTracks().includes(track)) stream.addTrack(track);
    const remoteTracks = peer.state.remoteTracks.includes(track)
      ? peer.state.remoteTracks
      : [...peer.state.remoteTracks, track];
    // Tracks arrive inside setRemoteDescription; publishing a microtask later lets the answer
    // be started before the page renders the new tile, instead of after.
    this.update(peer, { remoteStream: stream, remoteTracks }, false);
    queueMicrotask(() => {
      if (!this.closed) this.publish();
    });
    if (track.kind === 'video') this.watchFirstFrame(peer, track);
  }

  /**
   * Finds when the peer's first video frame is decoded, so time to first media is measured,
   * not guessed. A remote track stays muted until its first packets arrive, so nothing is
   * polled before that; from its `unmute` the peer's stats are read often until a frame is
   * decoded (a frame or two later), then the normal polling takes over. getStats() is not
   * cheap, and a six-person call must not spend its CPU on it.
   */
  private watchFirstFrame(peer: Peer, track: MediaStreamTrack): void {
    if (peer.firstFrameTimer !== null || peer.state.firstFrameAt !== null || this.firstFrameIntervalMs <= 0) return;
    if (track.muted === true && typeof track.addEventListener === 'function') {
      const unmuted = () => {
        track.removeEventListener('unmute', unmuted);
        if (!peer.closed) this.pollFirstFrame(peer);
      };
      track.addEventListener('unmute', unmuted);
      return;
    }
    this.pollFirstFrame(peer);
  }

  private pollFirstFrame(peer: Peer): void {
    if (peer.firstFrameTimer !== null || peer.state.firstFrameAt !== null) return;
    void this.collectPeerStats(peer);
    peer.firstFrameDeadline = this.now() + FIRST_FRAME_WATCH_MS;
    peer.firstFrameTimer = this.timers.setInterval(() => {
      if (peer.closed || peer.state.firstFrameAt !== null || this.now() > peer.firstFrameDeadline) {
        this.stopFirstFrameWatch(peer);
        return;
      }
      void this.collectPeerStats(peer);
    }, this.firstFrameIntervalMs);
  }

  private stopFirstFrameWatch(peer: Peer): void {
    if (peer.firstFrameTimer !== null) this.timers.clearInterval(peer.firstFrameTimer);
    peer.firstFrameTimer = null;
  }

  /** ICE restart; a connection that never negotiated offers instead. Perfect negotiation does the rest. */
  private restart(peer: Peer): void {
    if (peer.closed) return;
    if (!peer.attached) this.attachLocalMedia(peer, true);
    peer.pc.restartIce();
  }

  private startOfferTimer(peer: Peer): void {
    this.clearOfferTimer(peer);
    peer.offerTimer = this.timers.setTimeout(() => {
      peer.offerTimer = null;
      void this.enqueue(peer, async () => {
        if (peer.pc.signalingState !== 'have-local-offer' || peer.makingOffer) return;
        await peer.pc.setLocalDescription({ type: 'rollback' });
        if (!peer.closed) peer.pc.restartIce();
      });
    }, this.offerTimeoutMs);
  }

  private clearOfferTimer(peer: Peer): void {
    if (peer.offerTimer !== null) this.timers.clearTimeout(peer.offerTimer);
    peer.offerTimer = null;
  }

  private clearDisconnectedTimer(peer: Peer): void {
    if (peer.disconnectedTimer !== null) this.timers.clearTimeout(peer.disconnectedTimer);
    peer.disconnectedTimer = null;
  }

  private teardown(peer: Peer): void {
    peer.closed = true;
    this.stopFirstFrameWatch(peer);
    this.clearOfferTimer(peer);
    this.clearDisconnectedTimer(peer);
    const pc = peer.pc;
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.onconnectionstatechange = null;
    pc.ontrack = null;
    pc.close();
  }

  // ---- stats and observers -----------------------------------------------------------------

  /** Runs getStats() on every connection once and publishes the digests. */
  async collectStats(): Promise<void> {
    // One snapshot for all the peers' new stats, not one per peer (each is a render).
    const changed = await Promise.all([...this.peers.values()].map((peer) => this.collectPeerStats(peer, false)));
    if (!this.closed && changed.some(Boolean)) this.publish();
  }

  /** Reads one peer's stats into its state; publishes unless told not to. True if it changed. */
  private async collectPeerStats(peer: Peer, publish = true): Promise<boolean> {
    if (peer.closed || peer.statsInFlight) return false;
    peer.statsInFlight = true;
    try {
      const report = await peer.pc.getStats();
      if (peer.closed) return false;
      const stats = summarizeStats(report, peer.state.stats);
      const patch: Partial<PeerState> = { stats, path: linkPath(stats) ?? peer.state.path };
      if (peer.state.firstFrameAt === null && (stats.framesDecoded ?? 0) > 0) {
        patch.firstFrameAt = this.now();
        this.stopFirstFrameWatch(peer);
      }
      this.update(peer, patch, publish);
      return true;
    } catch (error) {
      if (!peer.closed) this.onError(error, peer.memberId);
      return false;
    } finally {
      peer.statsInFlight = false;
    }
  }

  // ---- the video budget --------------------------------------------------------------------

  /** Camera or shared screen: a screen keeps its resolution and gives up frame rate. */
  setVideoSource(source: 'camera' | 'screen'): void {
    if (source === this.videoSource) return;
    this.videoSource = source;
    this.applyBudgets();
  }

  setVideoWanted(memberId: string, wanted: boolean): void {
    const peer = this.peers.get(memberId);
    if (peer === undefined || peer.videoWanted === wanted) return;
    peer.videoWanted = wanted;
    this.applyVideoWanted(peer);
  }

  /**
   * Receiving video or not is the direction of the peer's video section: `sendonly` (or
   * `inactive` when we send none) tells them, through one renegotiation, to stop encoding and
   * sending video to us; in a mesh that frees their uplink for the people who watch. Sections
   * not negotiated yet get it when they are (after the answer).
   */
  private applyVideoWanted(peer: Peer): void {
    if (peer.closed) return;
    for (const transceiver of peer.pc.getTransceivers()) {
      if (transceiver.mid === null || transceiver.receiver.track.kind !== 'video') continue;
      if (transceiver.direction === 'stopped') continue; // rejected or stopped: nothing to steer
      const sending = transceiver.direction === 'sendrecv' || transceiver.direction === 'sendonly';
      const next: RTCRtpTransceiverDirection = sending
        ? peer.videoWanted
          ? 'sendrecv'
          : 'sendonly'
        : peer.videoWanted
          ? 'recvonly'
          : 'inactive';
      if (transceiver.direction !== next) transceiver.direction = next;
    }
  }

  private applyBudgets(): void {
    if (this.closed) return;
    for (const peer of this.peers.values()) this.applyBudget(peer);
  }

  /**
   * Caps what our senders to this peer may use (governor.ts): video by the number of peers,
   * audio at its own small ceiling and first in line. Runs after the others on this peer, so
   * each setParameters sees the parameters the previous one left.
   */
  private applyBudget(peer: Peer): void {
    // Before the link is up the encoders do not run; setParameters then would only slow the
    // negotiation down. The budget goes on at `connected` and after each renegotiation.
    if (peer.closed || peer.pc.connectionState !== 'connected') return;
    const budget = videoBudget(this.peers.size, this.videoSource);
    peer.parameters = peer.parameters.then(async () => {
      for (const [kind, sender] of peer.senders) {
        if (peer.closed || sender.getParameters === undefined || sender.setParameters === undefined) continue;
        const parameters = sender.getParameters();
        // Before negotiation Chromium may list no encoding yet; connected, it comes back here.
        if (parameters.encodings === undefined || parameters.encodings.length === 0) continue;
        for (const encoding of parameters.encodings) {
          if (kind === 'video') {
            encoding.maxBitrate = budget.maxBitrate;
            encoding.scaleResolutionDownBy = budget.scaleResolutionDownBy;
            encoding.maxFramerate = budget.maxFramerate;
            encoding.priority = 'low';
            encoding.networkPriority = 'low';
          } else {
            encoding.maxBitrate = AUDIO_MAX_BITRATE;
            encoding.priority = 'high';
            encoding.networkPriority = 'high';
          }
        }
        try {
          await sender.setParameters(parameters);
          if (kind === 'video' && !peer.closed) this.update(peer, { maxVideoBitrate: budget.maxBitrate });
        } catch (error) {
          if (!peer.closed) this.onError(error, peer.memberId);
        }
      }
    });
  }

  getSnapshot(): readonly PeerState[] {
    return this.snapshot;
  }

  /** Called with the new snapshot on every change. Returns the unsubscribe. */
  subscribe(listener: PeersListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Ends the call's media: every connection closed, no handler or timer left to fire. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.statsTimer !== null) this.timers.clearInterval(this.statsTimer);
    this.statsTimer = null;
    for (const peer of this.peers.values()) this.teardown(peer);
    this.peers.clear();
    this.publish();
    this.listeners.clear();
  }

  private update(peer: Peer, patch: Partial<PeerState>, publish = true): void {
    if (peer.closed) return;
    const next = { ...peer.state, ...patch };
    next.quality = classifyQuality(next.connectionState, next.stats, next.wasConnected);
    peer.state = next;
    if (publish) this.publish();
  }

  private publish(): void {
    this.snapshot = [...this.peers.values()].map((peer) => peer.state);
    for (const listener of [...this.listeners]) listener(this.snapshot);
  }
}
