/**
 * The media layer's contract. `CallMedia` is what the rest of the client uses; the mesh
 * (mesh.ts) is one implementation, and an SFU client could be another without changing rooms,
 * files or call semantics. The `…Like` interfaces name the part of the WebRTC API the mesh
 * uses, so tests can drive it with small fakes.
 */
import type { Quality, StatsDigest, StatsReportLike } from './stats';

export type MediaKind = 'audio' | 'video';

export type SignalType = 'signal:offer' | 'signal:answer' | 'signal:ice';

/** Signals as sent (protocol.md, client → server). */
export interface OutgoingSignalMap {
  'signal:offer': { to: string; callId: string; sdp: string };
  'signal:answer': { to: string; callId: string; sdp: string };
  'signal:ice': { to: string; callId: string; candidate: RTCIceCandidateInit | null };
}

/** Signals as received (server → client). */
export interface IncomingSignalMap {
  'signal:offer': { from: string; callId: string; sdp: string };
  'signal:answer': { from: string; callId: string; sdp: string };
  'signal:ice': { from: string; callId: string; candidate: RTCIceCandidateInit | null };
}

/**
 * Writes one signal to the server. Deliberately not generic, so the realtime client's `send`
 * fits as is: `sendSignal: (type, data) => client.send(type, data)`. May throw (disconnected).
 */
export type SendSignal = (type: SignalType, data: OutgoingSignalMap[SignalType]) => void;

/** One remote participant, as the UI sees it. Replaced (never mutated) on every change. */
export interface PeerState {
  memberId: string;
  /** This side gives way in an offer collision (self id < remote id). */
  polite: boolean;
  connectionState: RTCPeerConnectionState;
  /** Reached `connected` at least once. */
  wasConnected: boolean;
  quality: Quality;
  /** Latest getStats() digest, null before the first one. */
  stats: StatsDigest | null;
  /** What the peer sends us; null until the first track arrives. */
  remoteStream: MediaStream | null;
  remoteTracks: readonly MediaStreamTrack[];
}

export type PeersListener = (peers: readonly PeerState[]) => void;

/** What the call UI needs from any media layer (mesh now, an SFU later). */
export interface CallMedia {
  setLocalStream(stream: MediaStream | null): void;
  replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void>;
  /** The same array until something changes (fits React's useSyncExternalStore). */
  getSnapshot(): readonly PeerState[];
  subscribe(listener: PeersListener): () => void;
  close(): void;
}

export interface SenderLike {
  readonly track: MediaStreamTrack | null;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

export interface IceCandidateLike {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
  toJSON?(): RTCIceCandidateInit;
}

export interface SessionDescriptionLike {
  readonly type: RTCSdpType;
  readonly sdp: string;
}

/** The part of RTCPeerConnection the mesh uses. */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState;
  readonly connectionState: RTCPeerConnectionState;
  readonly localDescription: SessionDescriptionLike | null;
  onnegotiationneeded: (() => void) | null;
  onicecandidate: ((event: { readonly candidate: IceCandidateLike | null }) => void) | null;
  onconnectionstatechange: (() => void) | null;
  ontrack: ((event: { readonly track: MediaStreamTrack; readonly streams: readonly MediaStream[] }) => void) | null;
  /** Without an argument: the offer or answer the current state calls for. */
  setLocalDescription(description?: { type: RTCSdpType; sdp?: string }): Promise<void>;
  setRemoteDescription(description: { type: RTCSdpType; sdp: string }): Promise<void>;
  /** Without an argument: end of candidates. */
  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void>;
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): SenderLike;
  addTransceiver(kind: MediaKind, init: { direction: RTCRtpTransceiverDirection }): unknown;
  restartIce(): void;
  setConfiguration(configuration: RTCConfiguration): void;
  getStats(): Promise<StatsReportLike>;
  close(): void;
}

/** Makes the connection to one remote member (`memberId` is for fakes and logs). */
export type PeerConnectionFactory = (configuration: RTCConfiguration, memberId: string) => PeerConnectionLike;
