/**
 * The media layer's contract. `CallMedia` is all the call session (src/call/) uses; the mesh
 * (mesh.ts) is one implementation, and an SFU client could be another without changing rooms,
 * files or call semantics. The `…Like` interfaces name the part of the WebRTC API the mesh
 * uses, so tests can drive it with small fakes.
 */
import type { IceServer } from '../api/types';
import type { LinkPath, Quality, StatsDigest, StatsReportLike } from './stats';

/** How to reach peers: STUN/TURN servers (TURN with short-lived credentials) and the policy. */
export interface IceConfig {
  iceServers: IceServer[];
  /** `relay`: only TURN candidates, so peers never learn each other's address. */
  iceTransportPolicy: RTCIceTransportPolicy;
}

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
  /** Direct or through the TURN relay, from the selected candidate pair; null until known. */
  path: LinkPath | null;
  /** Latest getStats() digest, null before the first one. */
  stats: StatsDigest | null;
  /** When the first remote video frame was decoded (the media layer's clock); null before. */
  firstFrameAt: number | null;
  /** Times this link failed or stayed disconnected and ICE was restarted. */
  iceRestarts: number;
  /** The video budget applied to our sender for this peer (bits per second); null before it is. */
  maxVideoBitrate: number | null;
  /** What the peer sends us; null until the first track arrives. */
  remoteStream: MediaStream | null;
  remoteTracks: readonly MediaStreamTrack[];
}

export type PeersListener = (peers: readonly PeerState[]) => void;

/**
 * Everything the call session needs from a media layer (the mesh now, an SFU later). An SFU
 * client would take the same participant events and ignore peer-to-peer signals it does not
 * use; the session never knows which one it drives.
 */
export interface CallMedia {
  /** We just joined the call: reach everyone already in it. */
  connectTo(memberIds: Iterable<string>): void;
  /** Someone joined after us. */
  participantJoined(memberId: string): void;
  /** Someone left the call (or the room). */
  participantLeft(memberId: string): void;
  /** After our socket came back: these are the call's other participants now; restart the links. */
  resync(memberIds: Iterable<string>): void;
  /** A `signal:*` event addressed to us. Never rejects. */
  handleSignal<K extends SignalType>(type: K, data: IncomingSignalMap[K]): Promise<void>;

  /** What we send: the stream's first audio and video track (null: nothing). */
  setLocalStream(stream: MediaStream | null): void;
  /** Swaps what we send of one kind (device switch, screen share, `null` to mute). */
  replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void>;
  /** The video we send is the camera or a shared screen (they are budgeted differently). */
  setVideoSource(source: 'camera' | 'screen'): void;
  /**
   * Whether we want this peer's video (their tile is on screen). Not wanted, they stop
   * encoding and sending it to us; audio goes on.
   */
  setVideoWanted(memberId: string, wanted: boolean): void;

  /** Fresh credentials or policy for every link (and for links made later). */
  setIceConfig(config: IceConfig): void;
  /** Restarts ICE with one peer, or with all (the network changed). */
  restartIce(memberId?: string): void;

  /** The same array until something changes (fits React's useSyncExternalStore). */
  getSnapshot(): readonly PeerState[];
  subscribe(listener: PeersListener): () => void;
  /** Refreshes every peer's stats now (the snapshot follows). */
  collectStats(): Promise<void>;
  /** Everything closed; later calls do nothing. */
  close(): void;
}

export interface SenderLike {
  readonly track: MediaStreamTrack | null;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
  /** Encoding limits (the video budget); a fake may leave them out. */
  getParameters?(): RTCRtpSendParameters;
  setParameters?(parameters: RTCRtpSendParameters): Promise<void>;
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

/** The part of RTCRtpTransceiver the mesh uses. */
export interface TransceiverLike {
  readonly mid: string | null;
  direction: RTCRtpTransceiverDirection;
  readonly receiver: { readonly track: MediaStreamTrack };
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
  getTransceivers(): TransceiverLike[];
  restartIce(): void;
  setConfiguration(configuration: RTCConfiguration): void;
  getStats(): Promise<StatsReportLike>;
  close(): void;
}

/** Makes the connection to one remote member (`memberId` is for fakes and logs). */
export type PeerConnectionFactory = (configuration: RTCConfiguration, memberId: string) => PeerConnectionLike;
