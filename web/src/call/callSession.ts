/**
 * The call flows: start, join, leave, end; our camera, microphone and screen; what room
 * snapshots and realtime events mean for the mesh. Plain functions over the stores (no React),
 * bound to the room's RealtimeClient by roomSession.ts for as long as the room page is open.
 *
 * Start: `call:start` → our `call:started` → mesh, then camera and microphone.
 * Join: `call:join` → our `call:participant-joined` → mesh → camera and microphone →
 * offer to everyone already in the call (the newcomer offers; see src/rtc/README.md).
 * Others: `call:participant-joined` → `participantJoined`, `…-left` → `participantLeft`,
 * `call:ended` → close everything; `signal:*` → `handleSignal`.
 * After a reconnect's `room:state`: still on → `call:join` again and `mesh.resync` (ICE
 * restart); gone → close everything.
 */
import type { RoomSnapshot } from '../api/types';
import type { ServerEvent } from '../realtime/events';
import { RealtimeError, type RealtimeClient } from '../realtime/socket';
import { MeshManager } from '../rtc/mesh';
import { roomStore } from '../store/roomStore';
import { participantsOf, planCallEvent, planResync } from './callPlan';
import { callStore, initialCallState, initialMedia, type CallNotice, type LocalMediaState } from './callStore';
import {
  browserMediaDevices,
  cameraConstraints,
  deviceChoices,
  getCallMedia,
  mediaProblem,
  microphoneConstraints,
  type CallMedia,
  type MediaDevicesLike,
} from './media';

interface Binding {
  client: RealtimeClient;
}

let binding: Binding | null = null;
/** Bumped whenever the call is torn down, so late async results (getUserMedia…) are dropped. */
let generation = 0;
/** The `rid` of a `call:join` sent after a reconnect; an error about it means we are out. */
let rejoinRid: string | null = null;

/** Our tracks. The mesh sends `mic` unless muted, and `screen` or else `camera` as video. */
const tracks: { mic: MediaStreamTrack | null; camera: MediaStreamTrack | null; screen: MediaStreamTrack | null } = {
  mic: null,
  camera: null,
  screen: null,
};
let micOn = false;

let mediaDevices: () => MediaDevicesLike | null = browserMediaDevices;

/** Tests only: another source of media. */
export function setMediaDevicesForTests(source: () => MediaDevicesLike | null): void {
  mediaDevices = source;
}

function selfId(): string | null {
  return roomStore.getState().selfId;
}

function state() {
  return callStore.getState();
}

function setNotice(notice: CallNotice | null): void {
  callStore.setState({ notice });
}

export function dismissCallNotice(): void {
  setNotice(null);
}

function errorNotice(error: unknown, action: 'start' | 'join' | 'end'): CallNotice {
  const code = error instanceof RealtimeError ? error.code : '';
  switch (code) {
    case 'call_full':
      return {
        kind: 'full',
        title: 'This call is full.',
        help: 'A call holds up to 6 people. You can join as soon as someone leaves.',
      };
    case 'call_active':
      return { kind: 'call', title: 'Someone else started a call just now.', help: 'Join it with "Join call".' };
    case 'no_active_call':
      return { kind: 'call', title: 'That call has already ended.', help: 'Start a new one with "Start call".' };
    case 'forbidden':
      return {
        kind: 'call',
        title: 'Only the person who started the call or created the room can end it for everyone.',
        help: 'You can leave it with "Leave call".',
      };
    case 'not_connected':
    case 'disconnected':
    case 'closed':
      return { kind: 'call', title: 'You are offline right now.', help: 'Try again once the room has reconnected.' };
    case 'timeout':
      return { kind: 'call', title: 'The server did not answer in time.', help: 'Try again in a moment.' };
    default: {
      const what = action === 'start' ? 'start the call' : action === 'join' ? 'join the call' : 'end the call';
      return { kind: 'call', title: `Could not ${what}.`, help: 'Try again in a moment.' };
    }
  }
}

// ---- binding to the room -------------------------------------------------------------------

/** roomSession.ts: the room's realtime client is ready. Returns the unbind. */
export function bindCallSession(client: RealtimeClient): () => void {
  unbindCallSession();
  binding = { client };
  callStore.setState({ ...initialCallState });
  // Closing or reloading the page leaves the call at once, rather than after the server's
  // grace period for dropped connections (a reloaded page starts outside the call).
  const pageHidden = () => {
    if (binding?.client === client) leaveCall();
  };
  if (typeof window !== 'undefined') window.addEventListener('pagehide', pageHidden);
  return () => {
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', pageHidden);
    if (binding?.client === client) unbindCallSession();
  };
}

/** Leaves the call (telling the server if the socket is up) and forgets the client. */
function unbindCallSession(): void {
  if (binding === null) return;
  if (state().phase !== 'idle') leaveCall();
  teardown();
  binding = null;
  callStore.setState({ ...initialCallState });
}

export function currentMesh(): MeshManager | null {
  return state().mesh;
}

/** roomSession.ts: a `room:state` arrived (already applied to the room store). */
export function callResync(snapshot: RoomSnapshot): void {
  const client = binding?.client;
  if (client === undefined) return;
  const { phase, callId, mesh } = state();
  const plan = planResync({ phase, callId }, snapshot.call, snapshot.self);
  switch (plan.kind) {
    case 'none':
      return;
    case 'teardown':
      teardown();
      setNotice({ kind: 'call', title: 'The call ended while you were offline.', help: null });
      return;
    case 'leave-stale':
      try {
        client.send('call:leave', { callId: plan.callId });
      } catch {
        // Offline again: the next resync tries again.
      }
      return;
    case 'rejoin': {
      try {
        rejoinRid = client.send('call:join', { callId: plan.callId });
      } catch {
        return; // dropped again already; the next resync retries
      }
      if (mesh === null) return;
      if (plan.fresh) {
        // The others closed their side when the server dropped us: start over with them.
        const next = createMesh(client, plan.callId);
        if (next === null) return;
        mesh.close();
        next.setLocalStream(outgoingStream());
        callStore.setState({ mesh: next });
        next.connectTo(plan.others);
      } else {
        mesh.setIceServers(snapshot.iceServers);
        mesh.resync(plan.others);
      }
    }
  }
}

/** roomSession.ts: any realtime event (already applied to the room store). */
export function callEvent(event: ServerEvent): void {
  const self = selfId();
  if (binding === null || self === null) return;
  if (event.type === 'error') {
    if (event.data.rid !== undefined && event.data.rid === rejoinRid) {
      rejoinRid = null;
      teardown();
      setNotice(errorNotice(new RealtimeError(event.data.code, event.data.message), 'join'));
    }
    return;
  }
  const { phase, callId, mesh } = state();
  const plan = planCallEvent({ phase, callId }, event, self);
  switch (plan.kind) {
    case 'none':
      return;
    case 'peer-joined':
      mesh?.participantJoined(plan.memberId);
      return;
    case 'peer-left':
      mesh?.participantLeft(plan.memberId);
      return;
    case 'removed':
      teardown();
      setNotice({ kind: 'call', title: 'You are no longer in the call.', help: 'Join it again with "Join call".' });
      return;
    case 'ended':
      teardown();
      return;
    case 'signal':
      if (event.type === 'signal:offer' || event.type === 'signal:answer' || event.type === 'signal:ice') {
        void mesh?.handleSignal(event.type, event.data);
      }
  }
}

// ---- start, join, leave, end ---------------------------------------------------------------

export async function startCall(): Promise<void> {
  const client = binding?.client;
  const self = selfId();
  if (client === undefined || self === null || state().phase !== 'idle') return;
  const gen = generation;
  callStore.setState({ phase: 'starting', notice: null });
  // The camera takes a while to start: ask for it while the server answers.
  const media = requestMedia();
  try {
    const { call } = await client.request('call:start', {}, { expect: 'call:started', match: (d) => d.call.startedBy === self });
    if (gen !== generation || binding?.client !== client) throw new RealtimeError('closed', 'Left meanwhile.');
    void enterCall(call.id, media);
  } catch (error) {
    void discard(media);
    if (gen !== generation) return;
    callStore.setState({ phase: 'idle', notice: errorNotice(error, 'start') });
  }
}

export async function joinCall(): Promise<void> {
  const client = binding?.client;
  const self = selfId();
  const call = roomStore.getState().call;
  if (client === undefined || self === null || call === null || state().phase !== 'idle') return;
  const gen = generation;
  callStore.setState({ phase: 'joining', callId: call.id, notice: null });
  const media = requestMedia();
  try {
    await client.request(
      'call:join',
      { callId: call.id },
      { expect: 'call:participant-joined', match: (d) => d.callId === call.id && d.memberId === self },
    );
    if (gen !== generation || binding?.client !== client) throw new RealtimeError('closed', 'Left meanwhile.');
    void enterCall(call.id, media);
  } catch (error) {
    void discard(media);
    if (gen !== generation) return;
    callStore.setState({ phase: 'idle', callId: null, notice: errorNotice(error, 'join') });
  }
}

function requestMedia(): Promise<CallMedia> {
  const { cameraId, microphoneId } = state();
  return getCallMedia(mediaDevices(), { cameraId, microphoneId });
}

async function discard(media: Promise<CallMedia>): Promise<void> {
  const got = await media;
  got.audio?.stop();
  got.video?.stop();
}

/**
 * We are a participant: the mesh first (so nothing addressed to us is lost), then our media
 * on it, then offers to everyone who was there before us (later joiners offer to us).
 */
async function enterCall(callId: string, media: Promise<CallMedia>): Promise<void> {
  const client = binding?.client;
  const self = selfId();
  if (client === undefined || self === null) {
    void discard(media);
    return;
  }
  const mesh = createMesh(client, callId);
  if (mesh === null) {
    void discard(media);
    return;
  }
  const gen = generation;
  callStore.setState({ phase: 'in-call', callId, mesh, media: { ...initialMedia, starting: true } });

  const got = await media;
  if (gen !== generation) {
    got.audio?.stop();
    got.video?.stop();
    return;
  }
  tracks.mic = got.audio;
  tracks.camera = got.video;
  micOn = got.audio !== null;
  // A reconnect meanwhile may have replaced the mesh (see callResync).
  const current = state().mesh ?? mesh;
  current.setLocalStream(outgoingStream());
  publishMedia({ starting: false });
  if (got.problem !== null) setNotice({ kind: 'media', title: got.problem.title, help: got.problem.help });
  void refreshDevices();
  const others = participantsOf(roomStore.getState().call).filter((id) => id !== self);
  current.connectTo(others);
}

/** "Leave call": out of the call; the room stays. */
export function leaveCall(): void {
  const { phase, callId } = state();
  if (phase === 'idle') return;
  if (callId !== null && binding?.client.isOpen) {
    try {
      binding.client.send('call:leave', { callId });
    } catch {
      // Offline: the server drops us after its grace period.
    }
  }
  teardown();
}

/** "End call for everyone": the server answers `call:ended` to the whole room, which tears down. */
export async function endCallForEveryone(): Promise<void> {
  const client = binding?.client;
  const { callId } = state();
  if (client === undefined || callId === null) return;
  try {
    await client.request('call:end', { callId }, { expect: 'call:ended', match: (d) => d.callId === callId });
  } catch (error) {
    setNotice(errorNotice(error, 'end'));
  }
}

/** Closes the mesh and stops every track; back to idle. */
function teardown(): void {
  generation += 1;
  rejoinRid = null;
  state().mesh?.close();
  for (const key of ['mic', 'camera', 'screen'] as const) {
    tracks[key]?.stop();
    tracks[key] = null;
  }
  micOn = false;
  callStore.setState({ phase: 'idle', callId: null, mesh: null, media: initialMedia });
}

function createMesh(client: RealtimeClient, callId: string): MeshManager | null {
  const self = selfId();
  if (self === null) return null;
  return new MeshManager({
    selfId: self,
    callId,
    iceServers: roomStore.getState().iceServers,
    sendSignal: (type, data) => client.send(type, data),
  });
}

// ---- our media -----------------------------------------------------------------------------

/** What we send: the microphone unless muted, the shared screen or else the camera. */
function outgoingStream(): MediaStream {
  const audio = micOn ? tracks.mic : null;
  return new MediaStream([audio, outgoingVideo()].filter((t): t is MediaStreamTrack => t !== null));
}

function outgoingVideo(): MediaStreamTrack | null {
  return tracks.screen ?? tracks.camera;
}

function publishMedia(extra: Partial<LocalMediaState> = {}): void {
  const video = outgoingVideo();
  const previous = state().media.preview;
  const preview =
    video === null ? null : previous !== null && previous.getVideoTracks()[0] === video ? previous : new MediaStream([video]);
  callStore.setState({
    media: {
      ...state().media,
      micOn: micOn && tracks.mic !== null,
      cameraOn: tracks.camera !== null,
      sharing: tracks.screen !== null,
      preview,
      ...extra,
    },
  });
}

async function send(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
  try {
    await state().mesh?.replaceTrack(kind, track);
  } catch (error) {
    console.warn(`[call] replacing the ${kind} track failed:`, error);
  }
}

export async function toggleMicrophone(): Promise<void> {
  if (state().phase !== 'in-call') return;
  if (micOn && tracks.mic !== null) {
    micOn = false;
    tracks.mic.enabled = false;
    publishMedia();
    await send('audio', null);
    return;
  }
  if (tracks.mic === null) {
    const gen = generation;
    const track = await getTrack('microphone');
    if (gen !== generation) {
      track?.stop();
      return;
    }
    if (track === null) return;
    tracks.mic = track;
  }
  micOn = true;
  tracks.mic.enabled = true;
  publishMedia();
  await send('audio', tracks.mic);
}

export async function toggleCamera(): Promise<void> {
  if (state().phase !== 'in-call') return;
  if (tracks.camera !== null) {
    tracks.camera.stop(); // the camera light goes off too
    tracks.camera = null;
    publishMedia();
    if (tracks.screen === null) await send('video', null);
    return;
  }
  const gen = generation;
  const track = await getTrack('camera');
  if (gen !== generation) {
    track?.stop();
    return;
  }
  if (track === null) return;
  tracks.camera = track;
  publishMedia();
  if (tracks.screen === null) await send('video', track);
}

/** One microphone or camera track with the chosen device; null (and a notice) when refused. */
async function getTrack(what: 'microphone' | 'camera', deviceId?: string): Promise<MediaStreamTrack | null> {
  const devices = mediaDevices();
  if (devices === null) {
    const problem = mediaProblem(new Error('insecure'), what);
    setNotice({ kind: 'media', title: problem.title, help: problem.help });
    return null;
  }
  const { cameraId, microphoneId } = state();
  try {
    const stream =
      what === 'camera'
        ? await devices.getUserMedia({ video: cameraConstraints(deviceId ?? cameraId) })
        : await devices.getUserMedia({ audio: microphoneConstraints(deviceId ?? microphoneId) });
    const track = (what === 'camera' ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
    if (state().notice?.kind === 'media') setNotice(null);
    void refreshDevices();
    return track;
  } catch (error) {
    const problem = mediaProblem(error, what);
    setNotice({ kind: 'media', title: problem.title, help: problem.help });
    return null;
  }
}

export function canShareScreen(): boolean {
  return typeof mediaDevices()?.getDisplayMedia === 'function';
}

export async function toggleScreenShare(): Promise<void> {
  if (state().phase !== 'in-call') return;
  if (tracks.screen !== null) {
    await stopSharing();
    return;
  }
  const devices = mediaDevices();
  if (devices?.getDisplayMedia === undefined) return;
  const gen = generation;
  let track: MediaStreamTrack | null;
  try {
    const stream = await devices.getDisplayMedia({ video: true, audio: false });
    track = stream.getVideoTracks()[0] ?? null;
  } catch (error) {
    if (gen !== generation) return;
    // Closing the browser's picker is a choice, not a problem worth a banner.
    if (!(error instanceof DOMException && error.name === 'NotAllowedError' && error.message.includes('Permission denied by user'))) {
      const problem = mediaProblem(error, 'screen');
      setNotice({ kind: 'media', title: problem.title, help: problem.help });
    }
    return;
  }
  if (gen !== generation || track === null) {
    track?.stop();
    return;
  }
  tracks.screen = track;
  // The browser's own "Stop sharing" ends the track.
  track.addEventListener('ended', () => {
    if (tracks.screen === track) void stopSharing();
  });
  publishMedia();
  await send('video', track);
}

async function stopSharing(): Promise<void> {
  tracks.screen?.stop();
  tracks.screen = null;
  publishMedia();
  await send('video', tracks.camera);
}

// ---- devices -------------------------------------------------------------------------------

export async function refreshDevices(): Promise<void> {
  const devices = mediaDevices();
  if (devices === null) return;
  try {
    const { cameras, microphones } = deviceChoices(await devices.enumerateDevices());
    const cameraId = tracks.camera?.getSettings().deviceId ?? state().cameraId;
    const microphoneId = tracks.mic?.getSettings().deviceId ?? state().microphoneId;
    callStore.setState({ cameras, microphones, cameraId: cameraId ?? null, microphoneId: microphoneId ?? null });
  } catch {
    // Listing devices is a nicety; the call goes on without it.
  }
}

/** Device settings: another camera. Takes effect at once if the camera is on. */
export async function chooseCamera(deviceId: string): Promise<void> {
  callStore.setState({ cameraId: deviceId });
  if (state().phase !== 'in-call' || tracks.camera === null) return;
  const gen = generation;
  const track = await getTrack('camera', deviceId);
  if (gen !== generation || track === null) {
    track?.stop();
    return;
  }
  tracks.camera?.stop();
  tracks.camera = track;
  publishMedia();
  if (tracks.screen === null) await send('video', track);
}

/** Device settings: another microphone. Keeps the mute state. */
export async function chooseMicrophone(deviceId: string): Promise<void> {
  callStore.setState({ microphoneId: deviceId });
  if (state().phase !== 'in-call' || tracks.mic === null) return;
  const gen = generation;
  const track = await getTrack('microphone', deviceId);
  if (gen !== generation || track === null) {
    track?.stop();
    return;
  }
  tracks.mic?.stop();
  tracks.mic = track;
  track.enabled = micOn;
  publishMedia();
  if (micOn) await send('audio', track);
}
