/**
 * Test doubles for the mesh (imported by tests only). `FakePeerConnection` models what
 * negotiation depends on, the way the WebRTC spec has it: the signaling states (stable,
 * have-local-offer, have-remote-offer, closed), one operations chain, parameterless
 * setLocalDescription, explicit and implicit rollback, transceivers with mids and
 * directions (addTrack reusing a transceiver that never sent; a remote offer reusing an
 * unassociated addTrack transceiver), `negotiationneeded` fired only in stable with an empty
 * chain, ICE restarts as a new ufrag, trickled candidates ending in null. No media, no ICE
 * checks: tests set `connectionState` themselves. The "SDP" is JSON.
 */
import { MeshManager, type MeshOptions, type MeshTimers } from './mesh';
import type { StatsReportLike } from './stats';
import type {
  IceCandidateLike,
  MediaKind,
  PeerConnectionLike,
  SenderLike,
  SessionDescriptionLike,
  SignalType,
  TransceiverLike,
} from './types';

type Direction = RTCRtpTransceiverDirection;

interface FakeSdp {
  ufrag: number;
  media: { mid: string; kind: MediaKind; direction: Direction }[];
}

export function fakeTrack(kind: MediaKind, id: string): MediaStreamTrack {
  return { kind, id, enabled: true, readyState: 'live' } as unknown as MediaStreamTrack;
}

export function fakeStream(id: string, tracks: MediaStreamTrack[]): MediaStream {
  const list = [...tracks];
  return {
    id,
    getTracks: () => [...list],
    getAudioTracks: () => list.filter((t) => t.kind === 'audio'),
    getVideoTracks: () => list.filter((t) => t.kind === 'video'),
    addTrack: (t: MediaStreamTrack) => void list.push(t),
  } as unknown as MediaStream;
}

function stateError(message: string): Error {
  const error = new Error(message);
  error.name = 'InvalidStateError';
  return error;
}

const sends = (d: Direction | null) => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction | null) => d === 'sendrecv' || d === 'recvonly';

function direction(send: boolean, receive: boolean): Direction {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

export class FakeSender implements SenderLike {
  track: MediaStreamTrack | null;
  replaceTrackCalls = 0;
  /** One encoding, as Chromium has for a sender made by addTrack. */
  parameters: RTCRtpSendParameters = { transactionId: 't0', encodings: [{}], codecs: [], headerExtensions: [], rtcp: {} };
  setParametersCalls = 0;

  constructor(track: MediaStreamTrack | null) {
    this.track = track;
  }

  getParameters(): RTCRtpSendParameters {
    return structuredClone(this.parameters);
  }

  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    this.setParametersCalls += 1;
    this.parameters = structuredClone(parameters);
  }

  async replaceTrack(track: MediaStreamTrack | null): Promise<void> {
    this.replaceTrackCalls += 1;
    this.track = track;
  }
}

export interface FakeTransceiver {
  readonly kind: MediaKind;
  mid: string | null;
  direction: Direction;
  currentDirection: Direction | null;
  /** The direction at the end of the last completed negotiation. */
  negotiatedDirection: Direction | null;
  everSent: boolean;
  readonly createdBy: 'addTrack' | 'addTransceiver' | 'remote';
  readonly sender: FakeSender;
  readonly receiverTrack: MediaStreamTrack;
  trackFired: boolean;
}

let connectionCount = 0;

export class FakePeerConnection implements PeerConnectionLike {
  readonly id = ++connectionCount;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: SessionDescriptionLike | null = null;
  remoteDescription: SessionDescriptionLike | null = null;
  configuration: RTCConfiguration;
  readonly transceivers: FakeTransceiver[] = [];
  readonly addedCandidates: (RTCIceCandidateInit | null)[] = [];
  statsReport: StatsReportLike = new Map();
  rollbacks = 0;
  restartIceCalls = 0;
  offersMade = 0;
  closed = false;

  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((event: { readonly candidate: IceCandidateLike | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: ((event: { readonly track: MediaStreamTrack; readonly streams: readonly MediaStream[] }) => void) | null = null;

  private chain: Promise<unknown> = Promise.resolve();
  private opsPending = 0;
  private negotiationEventPending = false;
  private iceRestartPending = false;
  private ufrag = 1;
  private gatheredUfrag = 0;
  private remoteUfrag: number | null = null;
  private previousLocal: SessionDescriptionLike | null = null;
  private previousRemote: SessionDescriptionLike | null = null;
  /** What the pending local offer changed, to undo on rollback. */
  private offerMids: FakeTransceiver[] = [];
  private offerRestartedIce = false;
  /** What the pending remote offer changed, to undo on rollback. */
  private remoteCreated: FakeTransceiver[] = [];
  private remoteAssociated: FakeTransceiver[] = [];

  constructor(configuration: RTCConfiguration, readonly remoteMemberId = '') {
    this.configuration = configuration;
  }

  /** Test control: the ICE/DTLS outcome. */
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  get pendingOperations(): number {
    return this.opsPending;
  }

  // ---- the API ---------------------------------------------------------------------------

  addTrack(track: MediaStreamTrack, ..._streams: MediaStream[]): FakeSender {
    if (this.closed) throw stateError('closed');
    if (this.transceivers.some((t) => t.sender.track === track)) {
      const error = new Error('track already added');
      error.name = 'InvalidAccessError';
      throw error;
    }
    const kind = track.kind as MediaKind;
    let transceiver = this.transceivers.find((t) => t.kind === kind && t.sender.track === null && !t.everSent);
    if (transceiver !== undefined) {
      transceiver.sender.track = track;
      if (transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv';
      else if (transceiver.direction === 'inactive') transceiver.direction = 'sendonly';
    } else {
      transceiver = this.newTransceiver(kind, 'sendrecv', 'addTrack');
      transceiver.sender.track = track;
    }
    this.checkNegotiationNeeded();
    return transceiver.sender;
  }

  addTransceiver(kind: MediaKind, init: { direction: Direction }): FakeTransceiver {
    if (this.closed) throw stateError('closed');
    const transceiver = this.newTransceiver(kind, init.direction, 'addTransceiver');
    this.checkNegotiationNeeded();
    return transceiver;
  }

  getTransceivers(): TransceiverLike[] {
    const pc = this;
    return this.transceivers.map((t) => ({
      get mid() {
        return t.mid;
      },
      get direction() {
        return t.direction;
      },
      set direction(next: Direction) {
        t.direction = next;
        pc.checkNegotiationNeeded();
      },
      receiver: { track: t.receiverTrack },
    }));
  }

  restartIce(): void {
    if (this.closed) return;
    this.restartIceCalls += 1;
    this.iceRestartPending = true;
    this.checkNegotiationNeeded();
  }

  setConfiguration(configuration: RTCConfiguration): void {
    if (this.closed) throw stateError('closed');
    this.configuration = configuration;
  }

  async getStats(): Promise<StatsReportLike> {
    return this.statsReport;
  }

  close(): void {
    // Like the real one: no events fire because of close().
    this.closed = true;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }

  setLocalDescription(description?: { type: RTCSdpType; sdp?: string }): Promise<void> {
    return this.enqueue(() => {
      const type = description?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
      if (type === 'rollback') this.rollback();
      else if (type === 'offer') this.makeOffer();
      else this.makeAnswer();
    });
  }

  setRemoteDescription(description: { type: RTCSdpType; sdp: string }): Promise<void> {
    return this.enqueue(() => {
      const sdp = JSON.parse(description.sdp) as FakeSdp;
      if (description.type === 'offer') this.applyRemoteOffer(description, sdp);
      else if (description.type === 'answer') this.applyRemoteAnswer(description, sdp);
      else throw new TypeError(`unsupported remote description ${description.type}`);
    });
  }

  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void> {
    return this.enqueue(() => {
      if (this.remoteDescription === null) throw stateError('The remote description was null');
      this.addedCandidates.push(candidate ?? null);
    });
  }

  // ---- the state machine -----------------------------------------------------------------

  private makeOffer(): void {
    if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') {
      throw stateError(`createOffer in ${this.signalingState}`);
    }
    if (this.signalingState === 'stable') {
      this.previousLocal = this.localDescription;
      this.offerMids = [];
      this.offerRestartedIce = false;
    }
    if (this.iceRestartPending) {
      this.ufrag += 1;
      this.iceRestartPending = false;
      this.offerRestartedIce = true;
    }
    for (const t of this.transceivers) {
      if (t.mid !== null) continue;
      t.mid = this.nextMid();
      this.offerMids.push(t);
    }
    this.localDescription = { type: 'offer', sdp: this.encode(this.transceivers.map((t) => t.direction)) };
    this.signalingState = 'have-local-offer';
    this.negotiationEventPending = false;
    this.offersMade += 1;
    this.gather();
  }

  private makeAnswer(): void {
    if (this.signalingState !== 'have-remote-offer' || this.remoteDescription === null) {
      throw stateError(`createAnswer in ${this.signalingState}`);
    }
    const offer = JSON.parse(this.remoteDescription.sdp) as FakeSdp;
    const media = offer.media.map((m) => {
      const t = this.transceivers.find((x) => x.mid === m.mid)!;
      const answered = direction(sends(t.direction) && receives(m.direction), receives(t.direction) && sends(m.direction));
      t.currentDirection = answered;
      if (sends(answered)) t.everSent = true;
      return { mid: m.mid, kind: m.kind, direction: answered };
    });
    this.localDescription = { type: 'answer', sdp: JSON.stringify({ ufrag: this.ufrag, media } satisfies FakeSdp) };
    this.signalingState = 'stable';
    this.negotiated();
    this.gather();
  }

  private applyRemoteOffer(description: SessionDescriptionLike, sdp: FakeSdp): void {
    if (this.signalingState === 'have-local-offer') this.rollback(); // implicit rollback
    if (this.signalingState !== 'stable') throw stateError(`remote offer in ${this.signalingState}`);
    if (this.remoteUfrag !== null && sdp.ufrag !== this.remoteUfrag) {
      // The other side restarted ICE; our answer gets new credentials too.
      this.ufrag += 1;
      this.iceRestartPending = false;
    }
    this.previousRemote = this.remoteDescription;
    this.remoteCreated = [];
    this.remoteAssociated = [];
    for (const m of sdp.media) {
      let t = this.transceivers.find((x) => x.mid === m.mid);
      if (t === undefined) {
        t = this.transceivers.find((x) => x.mid === null && x.kind === m.kind && x.createdBy === 'addTrack');
        if (t !== undefined) {
          t.mid = m.mid;
          this.remoteAssociated.push(t);
        }
      }
      if (t === undefined) {
        t = this.newTransceiver(m.kind, 'recvonly', 'remote');
        t.mid = m.mid;
        this.remoteCreated.push(t);
      }
      if (sends(m.direction)) this.fireTrack(t);
    }
    this.remoteUfrag = sdp.ufrag;
    this.remoteDescription = description;
    this.signalingState = 'have-remote-offer';
  }

  private applyRemoteAnswer(description: SessionDescriptionLike, sdp: FakeSdp): void {
    if (this.signalingState !== 'have-local-offer') throw stateError(`remote answer in ${this.signalingState}`);
    for (const m of sdp.media) {
      const t = this.transceivers.find((x) => x.mid === m.mid);
      if (t === undefined) continue;
      t.currentDirection = direction(receives(m.direction), sends(m.direction));
      if (sends(t.currentDirection)) t.everSent = true;
      if (sends(m.direction)) this.fireTrack(t);
    }
    this.remoteUfrag = sdp.ufrag;
    this.remoteDescription = description;
    this.signalingState = 'stable';
    this.negotiated();
  }

  private rollback(): void {
    if (this.signalingState === 'have-local-offer') {
      for (const t of this.offerMids) t.mid = null;
      this.offerMids = [];
      if (this.offerRestartedIce) {
        this.ufrag -= 1;
        this.iceRestartPending = true;
      }
      this.localDescription = this.previousLocal;
    } else if (this.signalingState === 'have-remote-offer') {
      for (const t of this.remoteCreated) this.transceivers.splice(this.transceivers.indexOf(t), 1);
      for (const t of this.remoteAssociated) t.mid = null;
      this.remoteCreated = [];
      this.remoteAssociated = [];
      this.remoteDescription = this.previousRemote;
    } else {
      throw stateError(`rollback in ${this.signalingState}`);
    }
    this.signalingState = 'stable';
    this.rollbacks += 1;
  }

  private negotiated(): void {
    for (const t of this.transceivers) if (t.mid !== null) t.negotiatedDirection = t.direction;
    this.offerMids = [];
    this.remoteCreated = [];
    this.remoteAssociated = [];
  }

  private isNegotiationNeeded(): boolean {
    return (
      this.iceRestartPending ||
      this.transceivers.some((t) => t.mid === null || t.direction !== t.negotiatedDirection)
    );
  }

  /** The spec's "update the negotiation-needed flag": only in stable, only with an empty chain. */
  checkNegotiationNeeded(): void {
    void Promise.resolve().then(() => {
      if (this.closed || this.opsPending > 0 || this.signalingState !== 'stable') return;
      if (!this.isNegotiationNeeded()) {
        this.negotiationEventPending = false;
        return;
      }
      if (this.negotiationEventPending) return;
      this.negotiationEventPending = true;
      this.onnegotiationneeded?.();
    });
  }

  private enqueue(operation: () => void): Promise<void> {
    if (this.closed) return Promise.reject(stateError('closed'));
    this.opsPending += 1;
    const run = this.chain.then(async () => {
      await Promise.resolve(); // a real engine does its work off the caller's turn
      if (this.closed) throw stateError('closed');
      operation();
    });
    this.chain = run
      .catch(() => {})
      .then(() => {
        this.opsPending -= 1;
        this.checkNegotiationNeeded();
      });
    return run;
  }

  private gather(): void {
    if (this.gatheredUfrag === this.ufrag) return;
    const ufrag = (this.gatheredUfrag = this.ufrag);
    // Candidates come in tasks of their own, after setLocalDescription's promise has settled.
    setTimeout(() => {
      if (this.closed) return;
      const init = {
        candidate: `candidate:${this.id} 1 udp 2122260223 127.0.0.1 ${40000 + this.id} typ host`,
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: String(ufrag),
      };
      this.onicecandidate?.({ candidate: { ...init, toJSON: () => init } });
      if (!this.closed) this.onicecandidate?.({ candidate: null });
    }, 0);
  }

  private fireTrack(t: FakeTransceiver): void {
    if (t.trackFired) return;
    t.trackFired = true;
    this.ontrack?.({ track: t.receiverTrack, streams: [] });
  }

  private newTransceiver(kind: MediaKind, initial: Direction, createdBy: FakeTransceiver['createdBy']): FakeTransceiver {
    const transceiver: FakeTransceiver = {
      kind,
      mid: null,
      direction: initial,
      currentDirection: null,
      negotiatedDirection: null,
      everSent: false,
      createdBy,
      sender: new FakeSender(null),
      receiverTrack: fakeTrack(kind, `remote-${this.id}-${this.transceivers.length}`),
      trackFired: false,
    };
    this.transceivers.push(transceiver);
    return transceiver;
  }

  private nextMid(): string {
    const used = this.transceivers.map((t) => Number(t.mid)).filter((n) => Number.isFinite(n));
    let mid = 0;
    while (used.includes(mid)) mid += 1;
    return String(mid);
  }

  private encode(directions: Direction[]): string {
    const media = this.transceivers
      .map((t, i) => ({ t, direction: directions[i]! }))
      .filter(({ t }) => t.mid !== null)
      .map(({ t, direction }) => ({ mid: t.mid!, kind: t.kind, direction }));
    return JSON.stringify({ ufrag: this.ufrag, media } satisfies FakeSdp);
  }
}

/** Timers that only move when the test says so. */
export class ManualTimers implements MeshTimers {
  now = 0;
  private seq = 0;
  private readonly tasks = new Map<number, { at: number; every: number | null; run: () => void }>();

  setTimeout(run: () => void, ms: number): number {
    this.seq += 1;
    this.tasks.set(this.seq, { at: this.now + ms, every: null, run });
    return this.seq;
  }

  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  setInterval(run: () => void, ms: number): number {
    this.seq += 1;
    this.tasks.set(this.seq, { at: this.now + ms, every: ms, run });
    return this.seq;
  }

  clearInterval(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  get pending(): number {
    return this.tasks.size;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; every: number | null; run: () => void }] | null = null;
      for (const entry of this.tasks) if (entry[1].at <= end && (next === null || entry[1].at < next[1].at)) next = entry;
      if (next === null) break;
      const [id, task] = next;
      this.now = task.at;
      if (task.every === null) this.tasks.delete(id);
      else task.at += task.every;
      task.run();
    }
    this.now = end;
  }
}

export interface WireMessage {
  from: string;
  type: SignalType;
  data: { to: string; callId: string; sdp?: string; candidate?: RTCIceCandidateInit | null };
}

/** Lets pending promise work and candidate events (zero-delay tasks) run. */
export function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A call's signaling server in memory: meshes joined to it send through it, and `settle()`
 * delivers until nobody has anything left to say. `hold` keeps messages on the wire (to make
 * offers cross); `drop` loses matching ones.
 */
export class FakeCall {
  readonly callId = 'call-1';
  readonly timers = new ManualTimers();
  readonly meshes = new Map<string, MeshManager>();
  readonly connections: FakePeerConnection[] = [];
  readonly sent: WireMessage[] = [];
  readonly errors: unknown[] = [];
  wire: WireMessage[] = [];
  hold = false;
  drop: ((message: WireMessage) => boolean) | null = null;

  join(selfId: string, options: Partial<MeshOptions> = {}): MeshManager {
    const mesh = new MeshManager({
      selfId,
      callId: this.callId,
      ice: { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'all' },
      sendSignal: (type, data) => {
        const message = { from: selfId, type, data } as WireMessage;
        this.sent.push(message);
        if (this.drop?.(message)) return;
        this.wire.push(message);
      },
      createPeerConnection: (configuration, memberId) => {
        const pc = new FakePeerConnection(configuration, memberId);
        this.owners.set(pc, selfId);
        this.connections.push(pc);
        return pc;
      },
      createMediaStream: () => null,
      timers: this.timers,
      statsIntervalMs: 0,
      onError: (error) => this.errors.push(error),
      ...options,
    });
    this.meshes.set(selfId, mesh);
    return mesh;
  }

  /** The connection `owner` made for `remote` (the latest one, if it made several). */
  pc(owner: string, remote: string): FakePeerConnection {
    const found = this.connections.filter((pc) => this.owners.get(pc) === owner && pc.remoteMemberId === remote);
    if (found.length === 0) throw new Error(`${owner} has no connection to ${remote}`);
    return found[found.length - 1]!;
  }

  connectionsOf(owner: string): FakePeerConnection[] {
    return this.connections.filter((pc) => this.owners.get(pc) === owner);
  }

  /** Delivers what is on the wire (optionally only some of it) in order. */
  deliver(which: (message: WireMessage) => boolean = () => true): void {
    const now = this.wire.filter(which);
    this.wire = this.wire.filter((m) => !which(m));
    for (const message of now) {
      const mesh = this.meshes.get(message.data.to);
      if (mesh === undefined) continue;
      const { to: _to, ...rest } = message.data;
      void mesh.handleSignal(message.type, { ...rest, from: message.from } as never);
    }
  }

  /** Delivers until the wire stays empty. */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await settleMicrotasks();
      if (this.hold || this.wire.length === 0) return;
      this.deliver();
    }
    throw new Error('signaling did not settle');
  }

  private readonly owners = new Map<FakePeerConnection, string>();
}
