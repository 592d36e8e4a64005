/**
 * The call flows: start, join, leave, end; the pre-join preview; our camera, microphone and
 * screen; fresh TURN credentials; recovery when the network changes; what room snapshots and
 * realtime events mean for the media layer. One `CallSession` per open room page, made and
 * disposed of by the room session (store/roomSession.ts), which hands it every `room:state`
 * and event. It talks to the media layer only through `CallMedia` (rtc/types.ts): the mesh
 * today, an SFU client later.
 *
 * Start: `call:start` → our `call:started` → media layer, then camera and microphone.
 * Join: `call:join` → our `call:participant-joined` → media layer with our tracks (already
 * open when the pre-join preview ran) → offers to everyone already in the call.
 * Others: `call:participant-joined` → `participantJoined`, `…-left` → `participantLeft`,
 * `call:ended` → close everything; `signal:*` → `handleSignal`.
 * After a reconnect's `room:state`: still on → `call:join` again and `resync` (ICE restart);
 * gone → close everything.
 */
import type { CallInfo, IceGrant, IceSettings } from '../api/types';
import { browserNetwork, type NetworkWatch } from '../lib/network';
import { Settled } from '../lib/settled';
import type { ClientEventMap, ClientEventType, ServerEvent, ServerEventMap, ServerEventType } from '../realtime/events';
import { RealtimeError, type RequestOptions } from '../realtime/socket';
import { MeshManager } from '../rtc/mesh';
import type { CallMedia, IceConfig, PeerState, SendSignal } from '../rtc/types';
import { callErrorNotice } from './callNotices';
import { participantsOf, planCallEvent, planResync } from './callPlan';
import { checkConnection, type ConnectionCheck } from './connectionCheck';
import { IceCredentials } from './iceCredentials';
import { browserTimers, type CallTimers } from './timers';
import { documentVisibility, VideoInterest, type PageVisibility } from './videoInterest';
import {
  callStore,
  initialCallState,
  initialMedia,
  initialPrejoin,
  type CallNotice,
  type CallSessionState,
  type LocalMediaState,
} from './callStore';
import {
  browserMediaDevices,
  cameraConstraints,
  deviceChoices,
  getCallMedia,
  mediaProblem,
  microphoneConstraints,
  type MediaDevicesLike,
  type UserMedia,
} from './media';

/** The part of the realtime client the call uses. */
export interface CallClient {
  readonly isOpen: boolean;
  send<K extends ClientEventType>(type: K, data: ClientEventMap[K]): string;
  request<K extends ClientEventType, R extends ServerEventType>(
    type: K,
    data: ClientEventMap[K],
    options: RequestOptions<R>,
  ): Promise<ServerEventMap[R]>;
}

/** What the call needs to know of the room, read fresh each time. */
export interface RoomView {
  selfId: string | null;
  call: CallInfo | null;
  /** From the latest snapshot: our TURN credentials and the policy. */
  ice: IceSettings;
  callCapacity: number;
}

export interface CallSessionOptions {
  client: CallClient;
  room: () => RoomView;
  /** `GET …/ice-servers`: fresh credentials (before every join, and before they expire). */
  fetchIceServers: () => Promise<IceGrant>;
  createMedia?: (options: { selfId: string; callId: string; ice: IceConfig; sendSignal: SendSignal }) => CallMedia;
  mediaDevices?: () => MediaDevicesLike | null;
  network?: NetworkWatch;
  visibility?: PageVisibility;
  timers?: CallTimers;
  /** Clock for time to first media (ms); the media layer must use the same one. */
  now?: () => number;
  /** Where the state goes (tests may pass their own store). */
  store?: typeof callStore;
}

const defaultNow = () => (typeof performance === 'undefined' ? Date.now() : performance.now());

/** Our tracks. The media layer sends `mic` unless muted, and `screen` or else `camera` as video. */
interface Tracks {
  mic: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
}

export class CallSession {
  private readonly client: CallClient;
  private readonly room: () => RoomView;
  private readonly createMedia: NonNullable<CallSessionOptions['createMedia']>;
  private readonly mediaDevices: () => MediaDevicesLike | null;
  private readonly timers: CallTimers;
  private readonly now: () => number;
  private readonly store: typeof callStore;

  /** Bumped whenever the call is torn down, so late async results (getUserMedia…) are dropped. */
  private generation = 0;
  /** The `rid` of a `call:join` sent after a reconnect; an error about it means we are out. */
  private rejoinRid: string | null = null;
  private readonly tracks: Tracks = { mic: null, camera: null, screen: null };
  private micOn = false;
  /** A getUserMedia in flight (preview or join); both wait for the same one. */
  private mediaRequest: Promise<UserMedia> | null = null;
  /** What the last getUserMedia could not give, in words. */
  private mediaProblem: UserMedia['problem'] = null;

  /** STUN/TURN servers with our credential: fetched before joins, renewed during the call. */
  private readonly ice: IceCredentials;
  /** Video nobody can see is paused at its sender. */
  private readonly videoInterest: VideoInterest;

  /** When each peer's link started (our "Join call", or their joining after us), for time to first media. */
  private readonly linkStartedAt = new Map<string, number>();
  private joinClickedAt = 0;
  /** Peers whose first media was reported; ICE restarts reported so far, per peer. */
  private readonly reportedFirstMedia = new Set<string>();
  private readonly reportedRestarts = new Map<string, number>();
  private unsubscribeMedia: (() => void) | null = null;

  private readonly stopWatchingNetwork: () => void;
  private disposed = false;

  constructor(options: CallSessionOptions) {
    this.client = options.client;
    this.room = options.room;
    this.now = options.now ?? defaultNow;
    this.createMedia =
      options.createMedia ?? ((o) => new MeshManager({ ...o, now: this.now, onError: (e, id) => console.warn(`[rtc] peer ${id}:`, e) }));
    this.mediaDevices = options.mediaDevices ?? browserMediaDevices;
    this.timers = options.timers ?? browserTimers;
    this.store = options.store ?? callStore;
    this.store.setState({ ...initialCallState, session: this });
    this.stopWatchingNetwork = (options.network ?? browserNetwork()).subscribe((change) => this.networkChanged(change));
    const inCall = () => this.state().phase === 'in-call';
    this.ice = new IceCredentials({
      fetch: options.fetchIceServers,
      fallback: () => this.room().ice,
      inUse: inCall,
      renewed: (config) => this.state().callMedia?.setIceConfig(config),
      timers: this.timers,
      now: this.now,
    });
    this.videoInterest = new VideoInterest(options.visibility ?? documentVisibility, this.timers, () =>
      inCall() ? this.state().callMedia : null,
    );
  }

  private state(): CallSessionState {
    return this.store.getState();
  }

  private set(patch: Partial<CallSessionState>): void {
    if (!this.disposed) this.store.setState(patch);
  }

  private setNotice(notice: CallNotice | null): void {
    this.set({ notice });
  }

  dismissNotice(): void {
    this.setNotice(null);
  }

  private notice(error: unknown, action: 'start' | 'join' | 'end'): CallNotice {
    return callErrorNotice(error, action, this.room().callCapacity);
  }

  /** The media layer while in the call (the debug hook reads it). */
  get media(): CallMedia | null {
    return this.state().callMedia;
  }

  // ---- the room's side -----------------------------------------------------------------------

  /** The room page goes (or the socket is replaced): leave the call, stop everything. */
  dispose(): void {
    if (this.disposed) return;
    if (this.state().phase !== 'idle') this.leave();
    this.teardown();
    this.stopPreview();
    this.stopWatchingNetwork();
    this.videoInterest.dispose();
    this.ice.stop();
    this.disposed = true;
    if (this.store.getState().session === this) this.store.setState({ ...initialCallState });
  }

  /** A `room:state` arrived (already applied to the room store). */
  resync(): void {
    const { selfId, call, ice } = this.room();
    if (selfId === null || this.disposed) return;
    const { phase, callId, callMedia } = this.state();
    const plan = planResync({ phase, callId }, call, selfId);
    switch (plan.kind) {
      case 'none':
        return;
      case 'teardown':
        this.teardown();
        this.setNotice({ kind: 'call', title: 'The call ended while you were offline.', help: null });
        return;
      case 'leave-stale':
        try {
          this.client.send('call:leave', { callId: plan.callId });
        } catch {
          // Offline again: the next resync tries again.
        }
        return;
      case 'rejoin': {
        try {
          this.rejoinRid = this.client.send('call:join', { callId: plan.callId });
        } catch {
          return; // dropped again already; the next resync retries
        }
        if (callMedia === null) return;
        // The snapshot carries credentials made just now.
        this.ice.use(ice);
        if (plan.fresh) {
          // The others closed their side when the server dropped us: start over with them.
          const next = this.startMedia(plan.callId);
          if (next === null) return;
          this.stopObserving();
          callMedia.close();
          this.observe(next);
          next.setLocalStream(this.outgoingStream());
          this.set({ callMedia: next });
          for (const id of plan.others) this.linkStartedAt.set(id, this.now());
          next.connectTo(plan.others);
        } else {
          callMedia.setIceConfig(ice);
          callMedia.resync(plan.others);
        }
      }
    }
  }

  /** Any realtime event (already applied to the room store). */
  event(event: ServerEvent): void {
    const self = this.room().selfId;
    if (self === null || this.disposed) return;
    if (event.type === 'error') {
      if (event.data.rid !== undefined && event.data.rid === this.rejoinRid) {
        this.rejoinRid = null;
        this.teardown();
        this.setNotice(this.notice(new RealtimeError(event.data.code, event.data.message), 'join'));
      }
      return;
    }
    const { phase, callId, callMedia } = this.state();
    const plan = planCallEvent({ phase, callId }, event, self);
    switch (plan.kind) {
      case 'none':
        return;
      case 'peer-joined':
        this.linkStartedAt.set(plan.memberId, this.now());
        this.reportedFirstMedia.delete(plan.memberId);
        callMedia?.participantJoined(plan.memberId);
        return;
      case 'peer-left':
        callMedia?.participantLeft(plan.memberId);
        return;
      case 'removed':
        this.teardown();
        this.setNotice({ kind: 'call', title: 'You are no longer in the call.', help: 'Join it again with "Join call".' });
        return;
      case 'ended':
        this.teardown();
        return;
      case 'signal':
        if (event.type === 'signal:offer' || event.type === 'signal:answer' || event.type === 'signal:ice') {
          void callMedia?.handleSignal(event.type, event.data);
        }
    }
  }

  // ---- before joining: the preview -----------------------------------------------------------

  /** Opens camera and microphone for the pre-join panel; joining then uses these tracks. */
  startPreview(): void {
    if (this.disposed || this.state().phase !== 'idle' || this.mediaRequest !== null) return;
    if (this.tracks.mic !== null && this.tracks.camera !== null) return;
    // Something is missing (blocked, then allowed?): ask for both again, in one prompt.
    this.stopOwnTracks();
    this.set({ prejoin: { ...initialPrejoin, starting: true } });
    void this.openMedia();
  }

  /** Opens the preview only if the browser already lets this site use camera and microphone. */
  async startPreviewIfAllowed(): Promise<void> {
    const permissions = typeof navigator === 'undefined' ? undefined : navigator.permissions;
    if (permissions === undefined) return;
    try {
      const [camera, microphone] = await Promise.all([
        permissions.query({ name: 'camera' as PermissionName }),
        permissions.query({ name: 'microphone' as PermissionName }),
      ]);
      if (camera.state === 'granted' && microphone.state === 'granted') this.startPreview();
    } catch {
      // Browsers that cannot tell: the person starts the preview with its button.
    }
  }

  /** The pre-join panel goes away without joining: the camera light goes off. */
  stopPreview(): void {
    if (this.state().phase !== 'idle') return;
    this.generation += 1;
    this.mediaRequest = null;
    this.stopOwnTracks();
    this.set({ prejoin: initialPrejoin });
  }

  private publishPrejoin(): void {
    const live = [this.tracks.camera, this.tracks.mic].filter((t): t is MediaStreamTrack => t !== null);
    this.set({
      prejoin: { stream: live.length === 0 ? null : new MediaStream(live), starting: false, problem: this.mediaProblem },
    });
  }

  /** "Test connection": whether direct and relayed calls work from here, with fresh credentials. */
  async testConnection(): Promise<ConnectionCheck> {
    return checkConnection({ iceServers: await this.ice.servers() });
  }

  /** Someone is about to join (the lobby shows, the pointer reaches "Join call"): credentials now. */
  prepareJoin(): void {
    if (!this.disposed && this.state().phase === 'idle') this.ice.prefetch();
  }

  // ---- start, join, leave, end ---------------------------------------------------------------

  async start(): Promise<void> {
    const self = this.room().selfId;
    if (self === null || this.state().phase !== 'idle' || this.disposed) return;
    const gen = this.generation;
    this.joinClickedAt = this.now();
    this.set({ phase: 'starting', notice: null });
    // The camera and the credentials take a while: ask for them while the server answers.
    const media = new Settled(this.ownMedia());
    const ice = this.ice.forJoin();
    try {
      const { call } = await this.client.request(
        'call:start',
        {},
        { expect: 'call:started', match: (d) => d.call.startedBy === self },
      );
      if (gen !== this.generation || this.disposed) throw new RealtimeError('closed', 'Left meanwhile.');
      void this.enter(call.id, media, ice);
    } catch (error) {
      if (gen !== this.generation) return;
      this.set({ phase: 'idle', notice: this.notice(error, 'start') });
      this.keepAsPreview(media.promise);
    }
  }

  /** A start or join that failed: the camera it opened stays as the preview, or goes. */
  private keepAsPreview(media: Promise<UserMedia>): void {
    void media.then(() => {
      if (this.state().phase !== 'idle' || this.disposed) return;
      if (this.room().call === null) this.stopPreview();
      else this.publishPrejoin();
    });
  }

  async join(): Promise<void> {
    const { selfId, call } = this.room();
    if (selfId === null || call === null || this.state().phase !== 'idle' || this.disposed) return;
    const gen = this.generation;
    this.joinClickedAt = this.now();
    this.set({ phase: 'joining', callId: call.id, notice: null });
    const media = new Settled(this.ownMedia());
    const ice = this.ice.forJoin();
    try {
      await this.client.request(
        'call:join',
        { callId: call.id },
        { expect: 'call:participant-joined', match: (d) => d.callId === call.id && d.memberId === selfId },
      );
      if (gen !== this.generation || this.disposed) throw new RealtimeError('closed', 'Left meanwhile.');
      void this.enter(call.id, media, ice);
    } catch (error) {
      if (gen !== this.generation) return;
      this.set({ phase: 'idle', callId: null, notice: this.notice(error, 'join') });
      this.keepAsPreview(media.promise);
    }
  }

  /** Our tracks for the call: the preview's if it ran (or is starting), else asked for now. */
  private ownMedia(): Promise<UserMedia> {
    if (this.mediaRequest !== null) return this.mediaRequest;
    if (this.tracks.mic !== null || this.tracks.camera !== null) {
      return Promise.resolve({ audio: this.tracks.mic, video: this.tracks.camera, problem: this.mediaProblem });
    }
    return this.openMedia();
  }

  /**
   * One getUserMedia for camera and microphone. Its tracks become ours as soon as they come
   * (so a teardown meanwhile stops them), unless the session moved on, then they are stopped.
   */
  private openMedia(): Promise<UserMedia> {
    const gen = this.generation;
    const { cameraId, microphoneId } = this.state();
    const request: Promise<UserMedia> = getCallMedia(this.mediaDevices(), { cameraId, microphoneId }).then((got) => {
      if (this.mediaRequest === request) this.mediaRequest = null;
      if (gen !== this.generation || this.disposed) {
        stopTracks(got);
        return { audio: null, video: null, problem: got.problem };
      }
      this.tracks.mic = got.audio;
      this.tracks.camera = got.video;
      this.mediaProblem = got.problem;
      if (this.state().phase === 'idle') this.publishPrejoin();
      void this.refreshDevices();
      return got;
    });
    this.mediaRequest = request;
    return request;
  }

  /**
   * We are a participant: the media layer first (so nothing addressed to us is lost), then our
   * media on it, then offers to everyone who was there before us (later joiners offer to us).
   */
  private async enter(callId: string, media: Settled<UserMedia>, ice: Settled<IceConfig>): Promise<void> {
    const self = this.room().selfId;
    const callMedia = this.startMedia(callId);
    if (self === null || callMedia === null) return;
    const gen = this.generation;
    this.observe(callMedia);
    // With the preview running, camera and credentials are ready now: offer first, render
    // after, so the offer does not wait behind the stage's new view.
    if (media.value === undefined || ice.value === undefined) {
      this.set({ phase: 'in-call', callId, callMedia, prejoin: initialPrejoin, firstMediaMs: {}, media: { ...initialMedia, starting: true } });
      await Promise.all([media.promise, ice.promise]);
      if (gen !== this.generation || this.disposed) return;
    }
    // A reconnect meanwhile may have replaced the media layer (see resync).
    const current = this.state().phase === 'in-call' ? (this.state().callMedia ?? callMedia) : callMedia;
    const got = media.value!;
    current.setIceConfig(ice.value!);
    // Their tracks are ours already (openMedia), or were stopped if we left meanwhile.
    this.micOn = got.audio !== null;
    if (got.audio !== null) got.audio.enabled = true;
    current.setLocalStream(this.outgoingStream());
    const others = participantsOf(this.room().call).filter((id) => id !== self);
    for (const id of others) this.linkStartedAt.set(id, this.joinClickedAt);
    current.connectTo(others);
    this.set({ phase: 'in-call', callId, callMedia: current, prejoin: initialPrejoin, firstMediaMs: {} });
    this.publishMedia({ starting: false });
    if (got.problem !== null) this.setNotice({ kind: 'media', title: got.problem.title, help: got.problem.help });
  }

  /** "Leave call": out of the call; the room stays. */
  leave(): void {
    const { phase, callId } = this.state();
    if (phase === 'idle') return;
    if (callId !== null && this.client.isOpen) {
      try {
        this.client.send('call:leave', { callId });
      } catch {
        // Offline: the server drops us after its grace period.
      }
    }
    this.teardown();
  }

  /** "End call for everyone": the server answers `call:ended` to the whole room, which tears down. */
  async endForEveryone(): Promise<void> {
    const { callId } = this.state();
    if (callId === null) return;
    try {
      await this.client.request('call:end', { callId }, { expect: 'call:ended', match: (d) => d.callId === callId });
    } catch (error) {
      this.setNotice(this.notice(error, 'end'));
    }
  }

  /** Closes the media layer and stops every track; back to idle. */
  private teardown(): void {
    this.generation += 1;
    this.videoInterest.reset();
    this.rejoinRid = null;
    this.mediaRequest = null;
    this.ice.cancel();
    this.stopObserving();
    this.state().callMedia?.close();
    this.stopOwnTracks();
    this.micOn = false;
    this.linkStartedAt.clear();
    this.reportedFirstMedia.clear();
    this.reportedRestarts.clear();
    this.set({ phase: 'idle', callId: null, callMedia: null, media: initialMedia, prejoin: initialPrejoin });
  }

  private stopOwnTracks(): void {
    for (const key of ['mic', 'camera', 'screen'] as const) {
      this.tracks[key]?.stop();
      this.tracks[key] = null;
    }
  }

  private startMedia(callId: string): CallMedia | null {
    const self = this.room().selfId;
    if (self === null) return null;
    return this.createMedia({
      selfId: self,
      callId,
      ice: this.ice.current(),
      sendSignal: (type, data) => this.client.send(type, data),
    });
  }

  /** A remote tile came on or went off screen (VideoGrid's IntersectionObserver). */
  setTileVisible(memberId: string, visible: boolean): void {
    this.videoInterest.setTileVisible(memberId, visible);
  }

  // ---- the network and what the links report -------------------------------------------------

  /** The browser is back online or on another network: the old paths are likely dead. */
  private networkChanged(_change: string): void {
    if (this.state().phase !== 'in-call') return;
    this.state().callMedia?.restartIce();
  }

  private observe(media: CallMedia): void {
    this.stopObserving();
    this.unsubscribeMedia = media.subscribe((peers) => this.peersChanged(media, peers));
  }

  private stopObserving(): void {
    this.unsubscribeMedia?.();
    this.unsubscribeMedia = null;
  }

  /**
   * Reports each link's time to first media (with its path) once, and every ICE failure, as
   * `call:report` (protocol.md): the server logs them and keeps them for its metrics.
   */
  private peersChanged(media: CallMedia, peers: readonly PeerState[]): void {
    const callId = this.state().callId;
    if (callId === null) return;
    for (const peer of peers) {
      if (peer.firstFrameAt !== null && !this.reportedFirstMedia.has(peer.memberId)) {
        this.reportedFirstMedia.add(peer.memberId);
        const started = this.linkStartedAt.get(peer.memberId) ?? this.joinClickedAt;
        const firstMediaMs = Math.max(0, Math.round(peer.firstFrameAt - started));
        this.set({ firstMediaMs: { ...this.state().firstMediaMs, [peer.memberId]: firstMediaMs } });
        // The path is known once stats name the selected pair: ask now rather than wait 2 s.
        const send = (path: 'direct' | 'relay') => this.report({ callId, peerId: peer.memberId, firstMediaMs, path });
        if (peer.path !== null) send(peer.path);
        else {
          void media.collectStats().then(() => {
            const now = media.getSnapshot().find((p) => p.memberId === peer.memberId);
            send(now?.path ?? 'direct');
          });
        }
      }
      const restarts = this.reportedRestarts.get(peer.memberId) ?? 0;
      if (peer.iceRestarts > restarts) {
        this.reportedRestarts.set(peer.memberId, peer.iceRestarts);
        this.report({ callId, peerId: peer.memberId, path: peer.path ?? 'direct', iceFailure: 'ice-restart' });
      }
    }
  }

  private report(data: ClientEventMap['call:report']): void {
    if (!this.client.isOpen) return;
    try {
      this.client.send('call:report', data);
    } catch {
      // Reports are best effort.
    }
  }

  // ---- our media -----------------------------------------------------------------------------

  /** What we send: the microphone unless muted, the shared screen or else the camera. */
  private outgoingStream(): MediaStream {
    const audio = this.micOn ? this.tracks.mic : null;
    return new MediaStream([audio, this.outgoingVideo()].filter((t): t is MediaStreamTrack => t !== null));
  }

  private outgoingVideo(): MediaStreamTrack | null {
    return this.tracks.screen ?? this.tracks.camera;
  }

  private publishMedia(extra: Partial<LocalMediaState> = {}): void {
    const video = this.outgoingVideo();
    const previous = this.state().media.preview;
    const preview =
      video === null ? null : previous !== null && previous.getVideoTracks()[0] === video ? previous : new MediaStream([video]);
    this.set({
      media: {
        ...this.state().media,
        micOn: this.micOn && this.tracks.mic !== null,
        cameraOn: this.tracks.camera !== null,
        sharing: this.tracks.screen !== null,
        preview,
        ...extra,
      },
    });
  }

  private async send(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    try {
      await this.state().callMedia?.replaceTrack(kind, track);
    } catch (error) {
      console.warn(`[call] replacing the ${kind} track failed:`, error);
    }
  }

  async toggleMicrophone(): Promise<void> {
    if (this.state().phase !== 'in-call') return;
    const mic = this.tracks.mic;
    if (this.micOn && mic !== null) {
      this.micOn = false;
      mic.enabled = false;
      this.publishMedia();
      await this.send('audio', null);
      return;
    }
    if (mic === null) {
      const gen = this.generation;
      const track = await this.getTrack('microphone');
      if (gen !== this.generation) {
        track?.stop();
        return;
      }
      if (track === null) return;
      this.tracks.mic = track;
    }
    this.micOn = true;
    this.tracks.mic!.enabled = true;
    this.publishMedia();
    await this.send('audio', this.tracks.mic);
  }

  async toggleCamera(): Promise<void> {
    if (this.state().phase !== 'in-call') return;
    if (this.tracks.camera !== null) {
      this.tracks.camera.stop(); // the camera light goes off too
      this.tracks.camera = null;
      this.publishMedia();
      if (this.tracks.screen === null) await this.send('video', null);
      return;
    }
    const gen = this.generation;
    const track = await this.getTrack('camera');
    if (gen !== this.generation) {
      track?.stop();
      return;
    }
    if (track === null) return;
    this.tracks.camera = track;
    this.publishMedia();
    if (this.tracks.screen === null) await this.send('video', track);
  }

  /** One microphone or camera track with the chosen device; null (and a notice) when refused. */
  private async getTrack(what: 'microphone' | 'camera', deviceId?: string): Promise<MediaStreamTrack | null> {
    const devices = this.mediaDevices();
    if (devices === null) {
      const problem = mediaProblem(new Error('insecure'), what);
      this.setNotice({ kind: 'media', title: problem.title, help: problem.help });
      return null;
    }
    const { cameraId, microphoneId } = this.state();
    try {
      const stream =
        what === 'camera'
          ? await devices.getUserMedia({ video: cameraConstraints(deviceId ?? cameraId) })
          : await devices.getUserMedia({ audio: microphoneConstraints(deviceId ?? microphoneId) });
      const track = (what === 'camera' ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
      if (this.state().notice?.kind === 'media') this.setNotice(null);
      void this.refreshDevices();
      return track;
    } catch (error) {
      const problem = mediaProblem(error, what);
      this.setNotice({ kind: 'media', title: problem.title, help: problem.help });
      return null;
    }
  }

  canShareScreen(): boolean {
    return typeof this.mediaDevices()?.getDisplayMedia === 'function';
  }

  async toggleScreenShare(): Promise<void> {
    if (this.state().phase !== 'in-call') return;
    if (this.tracks.screen !== null) {
      await this.stopSharing();
      return;
    }
    const devices = this.mediaDevices();
    if (devices?.getDisplayMedia === undefined) return;
    const gen = this.generation;
    let track: MediaStreamTrack | null;
    try {
      const stream = await devices.getDisplayMedia({ video: true, audio: false });
      track = stream.getVideoTracks()[0] ?? null;
    } catch (error) {
      if (gen !== this.generation) return;
      // Closing the browser's picker is a choice, not a problem worth a banner.
      if (!(error instanceof DOMException && error.name === 'NotAllowedError' && error.message.includes('Permission denied by user'))) {
        const problem = mediaProblem(error, 'screen');
        this.setNotice({ kind: 'media', title: problem.title, help: problem.help });
      }
      return;
    }
    if (gen !== this.generation || track === null) {
      track?.stop();
      return;
    }
    const screen = track;
    this.tracks.screen = screen;
    // The browser's own "Stop sharing" ends the track.
    screen.addEventListener('ended', () => {
      if (this.tracks.screen === screen) void this.stopSharing();
    });
    this.publishMedia();
    this.state().callMedia?.setVideoSource('screen');
    await this.send('video', screen);
  }

  private async stopSharing(): Promise<void> {
    this.tracks.screen?.stop();
    this.tracks.screen = null;
    this.publishMedia();
    this.state().callMedia?.setVideoSource('camera');
    await this.send('video', this.tracks.camera);
  }

  // ---- devices -------------------------------------------------------------------------------

  async refreshDevices(): Promise<void> {
    const devices = this.mediaDevices();
    if (devices === null) return;
    try {
      const { cameras, microphones } = deviceChoices(await devices.enumerateDevices());
      const cameraId = this.tracks.camera?.getSettings().deviceId ?? this.state().cameraId;
      const microphoneId = this.tracks.mic?.getSettings().deviceId ?? this.state().microphoneId;
      this.set({ cameras, microphones, cameraId: cameraId ?? null, microphoneId: microphoneId ?? null });
    } catch {
      // Listing devices is a nicety; the call goes on without it.
    }
  }

  /** Another camera. Takes effect at once if the camera is on (in the call or the preview). */
  async chooseCamera(deviceId: string): Promise<void> {
    this.set({ cameraId: deviceId });
    if (this.tracks.camera === null) return;
    const gen = this.generation;
    const track = await this.getTrack('camera', deviceId);
    if (gen !== this.generation || track === null) {
      track?.stop();
      return;
    }
    this.tracks.camera?.stop();
    this.tracks.camera = track;
    if (this.state().phase !== 'in-call') {
      this.publishPrejoin();
      return;
    }
    this.publishMedia();
    if (this.tracks.screen === null) await this.send('video', track);
  }

  /** Another microphone. Keeps the mute state. */
  async chooseMicrophone(deviceId: string): Promise<void> {
    this.set({ microphoneId: deviceId });
    if (this.tracks.mic === null) return;
    const gen = this.generation;
    const track = await this.getTrack('microphone', deviceId);
    if (gen !== this.generation || track === null) {
      track?.stop();
      return;
    }
    this.tracks.mic?.stop();
    this.tracks.mic = track;
    if (this.state().phase !== 'in-call') {
      this.publishPrejoin();
      return;
    }
    track.enabled = this.micOn;
    this.publishMedia();
    if (this.micOn) await this.send('audio', track);
  }
}

function stopTracks(media: UserMedia): void {
  media.audio?.stop();
  media.video?.stop();
}
