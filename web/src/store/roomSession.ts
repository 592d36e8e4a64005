/**
 * The room page's flows: rejoin with a stored token, probe an unknown visitor's room, join
 * with a name, stay in sync over the realtime socket, leave. Plain functions over the store so
 * components only call them and read the store; no React in here.
 *
 * REST gives the token (create, join, rejoin); from then on the WebSocket is the one source of
 * room updates: every `room:state` replaces the room state wholesale, events in between are
 * applied by the store's reducers, and both are handed to the call session (src/call/).
 *
 * Removed by the room's creator (the socket closes with "removed", or any answer is
 * `token_revoked`): the page says so, and this browser remembers it, so a reload shows the
 * same instead of joining again. A locked room refuses a join without a token (423): the page
 * says the room is locked.
 */
import { ApiError } from '../api/http';
import { createRoom, fetchIceServers, fetchRoomState, joinRoom, leaveRoom } from '../api/rooms';
import type { RoomSession } from '../api/types';
import { CallSession } from '../call/callSession';
import { createDebuggableSocket } from '../call/debug';
import { checkDisplayName } from '../lib/displayName';
import { errorText, unknownRoomText } from '../lib/errorText';
import { parseRoomCode } from '../lib/roomCode';
import { playHandRaisedSound } from '../lib/sound';
import { memory } from '../lib/storage';
import { RealtimeClient, type WebSocketLike } from '../realtime/socket';
import {
  applyServerEvent,
  applySnapshot,
  initialRoomState,
  newlyRaisedHands,
  roomStore,
  type RoomPhase,
} from './roomStore';
import { reportClientError } from '../telemetry/clientTelemetry';

interface Realtime {
  client: RealtimeClient;
  /** Stops listening to the client and unbinds the call session (leaving the call). */
  detach(): void;
}

interface ActiveRoom {
  code: string;
  /** Bumped on every openRoom/closeRoom so late answers for an old visit are dropped. */
  visit: number;
  token: string | null;
  realtime: Realtime | null;
  abort: AbortController;
}

let active: ActiveRoom | null = null;
let visits = 0;
/** A session just created on the landing page, so the room page needs no second join. */
let handoff: RoomSession | null = null;
/** A name typed on the landing page with "Join room": the room page joins with it at once. */
let pendingJoin: { code: string; name: string } | null = null;

/** What opening a room's page starts with. */
export type Arrival =
  | { kind: 'removed' }
  | { kind: 'enter'; session: RoomSession }
  | { kind: 'rejoin'; token: string }
  | { kind: 'join'; name: string }
  | { kind: 'probe' };

/**
 * Removed from this room before: say so, whatever else we hold. Then a session handed over
 * by "Create room", a stored token (a reload), a name from the landing page's "Join room",
 * and otherwise the join card after asking whether the room exists.
 */
export function planArrival(known: {
  removed: boolean;
  handoff: RoomSession | null;
  token: string | null;
  pendingName: string | null;
}): Arrival {
  if (known.removed) return { kind: 'removed' };
  if (known.handoff !== null) return { kind: 'enter', session: known.handoff };
  if (known.token !== null) return { kind: 'rejoin', token: known.token };
  if (known.pendingName !== null) return { kind: 'join', name: known.pendingName };
  return { kind: 'probe' };
}

function setPhase(phase: RoomPhase, extra: Partial<typeof initialRoomState> = {}): void {
  roomStore.setState({ phase, ...extra });
}

function isCurrent(visit: number): boolean {
  return active !== null && active.visit === visit;
}

/** The room's creator removed us: stop everything, remember it, and say so. */
function removedFromRoom(visit: number, code: string): void {
  if (!isCurrent(visit) || active === null) return;
  const realtime = active.realtime;
  active.realtime = null;
  active.token = null;
  realtime?.detach();
  realtime?.client.close();
  memory.rememberRemoved(code);
  roomStore.setState({ ...initialRoomState, code, phase: { kind: 'removed' } });
}

/** A REST call of the room's (older messages, say) answered `token_revoked`. */
export function noticeRemoved(): void {
  if (active !== null) removedFromRoom(active.visit, active.code);
}

function fail(error: unknown, code: string): void {
  const unknownRoom = error instanceof ApiError && error.code === 'room_not_found';
  const retryable = error instanceof ApiError && !unknownRoom && error.code !== 'bad_request';
  setPhase({ kind: 'failed', message: unknownRoom ? unknownRoomText(code) : errorText(error, code), retryable, unknownRoom });
}

/** A bug of ours, not an answer of the server: say so with "Try again" (never a page stuck on "Opening room…"), and report it. */
function failUnexpected(error: unknown, code: string): void {
  reportClientError(error, { where: 'room session' });
  setPhase({ kind: 'failed', message: errorText(error, code), retryable: true, unknownRoom: false });
}

/** Opens the realtime socket with the token from REST and makes it the room's source of updates. */
function connectRealtime(visit: number, code: string, token: string): void {
  if (!isCurrent(visit) || active === null) return;
  active.token = token;
  const client = new RealtimeClient({
    token,
    createSocket: (url) => createDebuggableSocket(url) as unknown as WebSocketLike,
  });
  const unsubscribe = client.subscribe({
    resync(snapshot) {
      if (!isCurrent(visit)) return;
      roomStore.setState((state) => applySnapshot(state, snapshot));
      call.resync();
    },
    event(event) {
      if (!isCurrent(visit)) return;
      const before = roomStore.getState().members;
      roomStore.setState((state) => applyServerEvent(state, event));
      const { members, selfId } = roomStore.getState();
      call.event(event);
      if (event.type === 'member:left' && event.data.reason === 'removed' && event.data.memberId === selfId) {
        removedFromRoom(visit, code); // the socket's close follows; no need to wait for it
        return;
      }
      if (newlyRaisedHands(before, members, selfId).length > 0) playHandRaisedSound();
    },
    status(info) {
      if (!isCurrent(visit)) return;
      if (info.status === 'open') roomStore.setState({ connection: 'connected' });
      else if (info.status === 'reconnecting') roomStore.setState({ connection: 'reconnecting' });
      else if (info.status === 'unreachable') {
        // Never got in: say so instead of "Opening room…" for ever (it keeps trying meanwhile).
        if (roomStore.getState().phase.kind === 'entering') {
          setPhase({
            kind: 'failed',
            message: "Couldn't open the room: the server can't be reached right now.",
            retryable: true,
            unknownRoom: false,
          });
        } else roomStore.setState({ connection: 'unreachable' });
      }
    },
    fatal(error) {
      if (!isCurrent(visit) || active === null) return;
      if (error.code === 'token_revoked') {
        removedFromRoom(visit, code);
        return;
      }
      active.realtime?.detach();
      active.realtime = null;
      active.token = null;
      memory.forgetToken(code);
      if (error.code === 'room_not_found') {
        fail(error, code);
        return;
      }
      // Token refused (expired, left from another tab, another room's): start over.
      roomStore.setState({ ...initialRoomState, code, phase: { kind: 'join', notice: errorText(error, code) } });
    },
  });
  // The room's call: made with the socket, gone with it (leaving the call first).
  const call = new CallSession({
    client,
    room: () => {
      const { selfId, call: current, ice, callCapacity } = roomStore.getState();
      return { selfId, call: current, ice, callCapacity };
    },
    fetchIceServers: () => fetchIceServers(code, token),
  });
  // Closing or reloading the page leaves the call at once, rather than after the server's
  // grace period for dropped connections (a reloaded page starts outside the call).
  const pageHidden = () => call.leave();
  window.addEventListener('pagehide', pageHidden);
  active.realtime = {
    client,
    detach() {
      window.removeEventListener('pagehide', pageHidden);
      call.dispose();
      unsubscribe();
    },
  };
  client.connect();
}

/** The room's code and our token while we are in it (for file calls); null otherwise. */
export function currentRoomAccess(): { code: string; token: string } | null {
  if (active === null || active.token === null) return null;
  return { code: active.code, token: active.token };
}

/** The room's realtime client while the room page is open (for the debug hook). */
export function currentRealtimeClient(): RealtimeClient | null {
  return active?.realtime?.client ?? null;
}

function entered(visit: number, code: string, session: RoomSession): void {
  if (!isCurrent(visit)) return;
  memory.rememberToken(code, session.token);
  setPhase({ kind: 'entering' }, { selfId: session.member.id, joinError: null });
  connectRealtime(visit, code, session.token);
}

/** Opens the room page for a canonical code. Returns the cleanup for when the page goes. */
export function openRoom(code: string): () => void {
  closeRoom();
  const visit = ++visits;
  active = { code, visit, token: null, realtime: null, abort: new AbortController() };
  roomStore.setState({ ...initialRoomState, code });

  const session = handoff !== null && parseRoomCode(handoff.room.code) === code ? handoff : null;
  const pendingName = pendingJoin !== null && pendingJoin.code === code ? pendingJoin.name : null;
  handoff = null;
  pendingJoin = null;
  const arrival = planArrival({ removed: memory.removed(code), handoff: session, token: memory.token(code), pendingName });
  switch (arrival.kind) {
    case 'removed':
      setPhase({ kind: 'removed' });
      break;
    case 'enter':
      entered(visit, code, arrival.session);
      break;
    case 'rejoin':
      void rejoin(visit, code, arrival.token);
      break;
    case 'join':
      void join(active, arrival.name, { fromLanding: true });
      break;
    case 'probe':
      void probe(visit, code);
      break;
  }
  return () => {
    if (active?.visit === visit) closeRoom();
  };
}

/** Leaves the page's room view: the call (if any), the socket, pending requests. */
function closeRoom(): void {
  if (active === null) return;
  active.abort.abort();
  const realtime = active.realtime;
  active = null;
  if (realtime !== null) {
    realtime.detach();
    realtime.client.close();
  }
}

async function rejoin(visit: number, code: string, token: string): Promise<void> {
  setPhase({ kind: 'checking' });
  try {
    const session = await joinRoom(code, { token }, active?.abort.signal);
    entered(visit, code, session);
  } catch (error) {
    if (!isCurrent(visit)) return;
    if (!(error instanceof ApiError)) return failUnexpected(error, code);
    if (error.code === 'token_revoked') {
      removedFromRoom(visit, code);
    } else if (error.code === 'unauthorized' || error.code === 'forbidden') {
      memory.forgetToken(code);
      setPhase({ kind: 'join', notice: 'Your earlier place in this room has ended. Join again with your name.' });
    } else {
      if (error.code === 'room_not_found') memory.forgetToken(code);
      fail(error, code);
    }
  }
}

/** Without a token we cannot read the room, but the server still says whether it exists. */
async function probe(visit: number, code: string): Promise<void> {
  setPhase({ kind: 'checking' });
  try {
    await fetchRoomState(code, null, active?.abort.signal);
    // A snapshot without a token would be a server bug; joining is still the way in.
    setPhase({ kind: 'join', notice: null });
  } catch (error) {
    if (!isCurrent(visit)) return;
    if (!(error instanceof ApiError)) return failUnexpected(error, code);
    // Still unreachable or 5xx after its retries (api/retry.ts): say so, with "Try again".
    if (error.code === 'room_not_found' || error.code === 'unreachable' || error.status >= 500) fail(error, code);
    else setPhase({ kind: 'join', notice: null }); // 401: the room is there, we are not in it
  }
}

/** The join card's submit. */
export async function joinWithName(rawName: string): Promise<void> {
  if (active !== null) await join(active, rawName);
}

/**
 * The landing page's "Join room" with a name already typed: the room page joins with it at
 * once instead of asking for it again. Call before navigating to the room.
 */
export function joinFromLanding(code: string, name: string): void {
  const canonical = parseRoomCode(code);
  pendingJoin = canonical === null ? null : { code: canonical, name };
}

/** Back to the join card from "This room is locked" (someone may have unlocked it). */
export function backToJoinCard(): void {
  if (active !== null) setPhase({ kind: 'join', notice: null }, { joinError: null });
}

/**
 * Joins with a name. From the landing page (`fromLanding`) the page keeps saying "Opening
 * room…" meanwhile, as for a rejoin: the join card only appears if the join fails.
 */
async function join(room: ActiveRoom, rawName: string, options: { fromLanding?: boolean } = {}): Promise<void> {
  const previous = roomStore.getState().phase;
  const joinCard: RoomPhase = previous.kind === 'join' ? previous : { kind: 'join', notice: null };
  const check = checkDisplayName(rawName);
  if (!check.ok) {
    setPhase(joinCard, { joinError: check.message });
    return;
  }
  memory.rememberName(check.name);
  setPhase(options.fromLanding === true ? { kind: 'checking' } : { kind: 'joining' }, { joinError: null });
  try {
    const session = await joinRoom(room.code, { displayName: check.name }, room.abort.signal);
    entered(room.visit, room.code, session);
  } catch (error) {
    if (!isCurrent(room.visit)) return;
    if (!(error instanceof ApiError)) return failUnexpected(error, room.code);
    if (error.code === 'room_not_found') {
      fail(error, room.code);
      return;
    }
    if (error.code === 'room_locked') {
      setPhase({ kind: 'locked' }, { joinError: null });
      return;
    }
    setPhase(joinCard, { joinError: errorText(error, room.code) });
  }
}

/** "Try again" on a failed room page. */
export function retryRoom(): void {
  if (active !== null) openRoom(active.code);
}

/** "Try again" while the server can't be reached: the next attempt starts now. */
export function reconnectNow(): void {
  active?.realtime?.client.reconnectNow();
}

/**
 * Leaves for good: `room:leave` over the socket when it is up, else `POST …/leave`; forgets
 * the token and resets the page either way.
 */
export async function leaveCurrentRoom(): Promise<void> {
  const room = active;
  if (room === null) return;
  const token = room.token;
  const realtime = room.realtime;
  room.realtime = null;
  realtime?.detach(); // leaves the call first, if we are in one
  closeRoom();
  memory.forgetToken(room.code);
  roomStore.setState({ ...initialRoomState });
  if (realtime !== null) {
    try {
      await realtime.client.leave();
      return;
    } catch {
      // Not connected, or the server refused: REST is the fallback.
    }
  }
  if (token !== null) {
    try {
      await leaveRoom(room.code, token);
    } catch {
      // Already gone (401) or unreachable: the token is forgotten either way, and the
      // server marks the member offline when its socket is gone.
    }
  }
}

/** Landing page "Create room": creates, remembers the token, hands the session to the room page. */
export async function createRoomAs(name: string): Promise<RoomSession> {
  const session = await createRoom(name);
  const code = parseRoomCode(session.room.code);
  if (code === null) throw new ApiError('bad_response', `The server returned an invalid room code: ${session.room.code}`);
  memory.rememberName(name);
  memory.rememberToken(code, session.token);
  handoff = session;
  return session;
}
