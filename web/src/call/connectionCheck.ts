/**
 * "Test connection" before joining a call: says in words whether direct and relayed calls
 * will work from this network, using the room's ICE servers (ui.md, pre-join panel).
 *
 * - Direct: one connection gathers candidates with the STUN servers only. A server-reflexive
 *   (`srflx`) candidate means a STUN server saw this network's public address, so peers on
 *   other networks can usually reach us directly. So does a host candidate with a public IPv4
 *   address, or a STUN server that answered without a `srflx` (no NAT: browsers drop a srflx
 *   that repeats a host address; gathering then ends early with no `icecandidateerror`).
 *   Otherwise host candidates alone mean only peers on the same network can.
 * - Relayed: two connections in this page, both `iceTransportPolicy: 'relay'` with the TURN
 *   servers, are connected to each other and one message makes the round trip over a data
 *   channel. That proves allocation, permissions and relaying end to end, not only that the
 *   server answers.
 *
 * Both run at once under one deadline. Every connection and channel is closed, its handlers
 * detached and the timer cleared when the check ends, times out or is aborted.
 * No React and no store; the connection factory and timers are injectable.
 */
import type { IceServer } from '../api/types';

export type DirectResult =
  /** A STUN server saw our public address: direct calls across networks will likely work. */
  | 'works'
  /** Only local addresses: direct calls work with people on the same network. */
  | 'same-network-only'
  /** The browser gave no address at all (WebRTC missing or blocked). */
  | 'unknown';

export type RelayResult =
  /** A message went through the relay server and back. */
  | 'works'
  /** The relay server gave us an address, but no connection went through it. */
  | 'failed'
  /** The relay server never answered (a firewall, or the server is down). */
  | 'unreachable'
  /** The site has no TURN server. */
  | 'not-configured'
  /** The browser would not make the connections (WebRTC missing or blocked). */
  | 'unknown';

export interface ConnectionCheck {
  direct: DirectResult;
  relay: RelayResult;
  /** One sentence on what to expect from calls. */
  summary: string;
  /** One sentence each for direct and relayed calls, in that order. */
  details: string[];
}

/** What an `icecandidate` event carries (RTCIceCandidate, or a plain object in tests). */
export interface CheckCandidate {
  readonly candidate: string;
  /** Chromium and Safari fill it in; otherwise it is read from `typ …` in `candidate`. */
  readonly type?: RTCIceCandidateType | null;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

/** The part of RTCDataChannel the check uses. */
export interface CheckDataChannel {
  onopen: (() => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

/** The part of RTCPeerConnection the check uses. */
export interface CheckPeerConnection {
  readonly iceGatheringState: RTCIceGatheringState;
  readonly connectionState: RTCPeerConnectionState;
  onicecandidate: ((event: { readonly candidate: CheckCandidate | null }) => void) | null;
  onicegatheringstatechange: (() => void) | null;
  /** A STUN or TURN server failed (lookup, no answer, refused credentials). */
  onicecandidateerror: ((event: { readonly url?: string; readonly errorCode?: number }) => void) | null;
  onconnectionstatechange: (() => void) | null;
  ondatachannel: ((event: { readonly channel: CheckDataChannel }) => void) | null;
  createDataChannel(label: string): CheckDataChannel;
  createOffer(): Promise<{ type: RTCSdpType; sdp?: string }>;
  createAnswer(): Promise<{ type: RTCSdpType; sdp?: string }>;
  setLocalDescription(description: { type: RTCSdpType; sdp?: string }): Promise<void>;
  setRemoteDescription(description: { type: RTCSdpType; sdp?: string }): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  close(): void;
}

export interface CheckTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CheckConnectionOptions {
  /** The room's STUN and TURN servers (room:state `iceServers`). */
  iceServers: IceServer[];
  createPeerConnection?: (configuration: RTCConfiguration) => CheckPeerConnection;
  /** How long both checks may take together. */
  timeoutMs?: number;
  signal?: AbortSignal;
  timers?: CheckTimers;
}

export const CHECK_TIMEOUT_MS = 6_000;
const CHANNEL_LABEL = 'parlor-connection-check';

const browserTimers: CheckTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function browserPeerConnection(configuration: RTCConfiguration): CheckPeerConnection {
  if (typeof RTCPeerConnection === 'undefined') throw new Error('This browser has no WebRTC.');
  return new RTCPeerConnection(configuration) as unknown as CheckPeerConnection;
}

const urlsOf = (server: IceServer) => (typeof server.urls === 'string' ? [server.urls] : server.urls);
const isStun = (url: string) => /^stuns?:/i.test(url);
const isTurn = (url: string) => /^turns?:/i.test(url);

/** The configured servers split by kind: STUN without credentials, TURN with them. */
export function splitIceServers(servers: readonly IceServer[]): { stun: RTCIceServer[]; turn: RTCIceServer[] } {
  const stun: RTCIceServer[] = [];
  const turn: RTCIceServer[] = [];
  for (const server of servers) {
    const stunUrls = urlsOf(server).filter(isStun);
    const turnUrls = urlsOf(server).filter(isTurn);
    if (stunUrls.length > 0) stun.push({ urls: stunUrls });
    if (turnUrls.length > 0) {
      turn.push({
        urls: turnUrls,
        ...(server.username !== undefined && { username: server.username }),
        ...(server.credential !== undefined && { credential: server.credential }),
      });
    }
  }
  return { stun, turn };
}

/** `host`, `srflx`, `prflx` or `relay`; null for an end-of-candidates marker or garbage. */
export function candidateType(candidate: CheckCandidate): RTCIceCandidateType | null {
  if (candidate.type) return candidate.type;
  const match = / typ (host|srflx|prflx|relay)(?: |$)/.exec(candidate.candidate);
  return match ? (match[1] as RTCIceCandidateType) : null;
}

function candidateInit(candidate: CheckCandidate): RTCIceCandidateInit {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    ...(candidate.usernameFragment != null && { usernameFragment: candidate.usernameFragment }),
  };
}

/** Owns what one check opened, and the deadline both halves race against. */
class CheckScope {
  readonly deadline: Promise<void>;
  private readonly connections: CheckPeerConnection[] = [];
  private readonly channels: CheckDataChannel[] = [];
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly create: (configuration: RTCConfiguration) => CheckPeerConnection,
    private readonly timers: CheckTimers,
    timeoutMs: number,
  ) {
    this.deadline = new Promise<void>((resolve) => {
      this.timer = timers.setTimeout(() => {
        this.timer = null;
        resolve();
      }, timeoutMs);
    });
  }

  /** A new connection, closed with the scope. Throws when the browser refuses to make one. */
  open(configuration: RTCConfiguration): CheckPeerConnection {
    if (this.closed) throw new Error('The connection check is over.');
    const connection = this.create(configuration);
    this.connections.push(connection);
    return connection;
  }

  adopt(channel: CheckDataChannel): CheckDataChannel {
    if (this.closed) {
      channel.onopen = null;
      channel.onmessage = null;
      channel.close();
    } else {
      this.channels.push(channel);
    }
    return channel;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    for (const channel of this.channels) {
      channel.onopen = null;
      channel.onmessage = null;
      try {
        channel.close();
      } catch {
        // Already closed with its connection.
      }
    }
    for (const connection of this.connections) {
      connection.onicecandidate = null;
      connection.onicegatheringstatechange = null;
      connection.onicecandidateerror = null;
      connection.onconnectionstatechange = null;
      connection.ondatachannel = null;
      try {
        connection.close();
      } catch {
        // Closing twice is harmless; a throwing fake must not keep the rest open.
      }
    }
  }
}

/** What the direct half saw before gathering ended or the deadline passed. */
interface DirectObservation {
  types: Set<RTCIceCandidateType>;
  /** A host candidate with a public IPv4 address: this device needs no STUN to be reached. */
  publicHost: boolean;
  /** Gathering ended by itself, before the deadline. */
  completed: boolean;
  /** STUN URLs the browser reported an error for (`icecandidateerror`: lookup failed, no answer). */
  failedStunUrls: Set<string>;
}

/** False for private, shared (CGNAT), loopback, link-local and reserved IPv4 ranges. */
export function isPublicIPv4(address: string): boolean {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address)?.slice(1).map(Number);
  if (parts === undefined || parts.some((part) => part > 255)) return false;
  const [a, b] = parts as [number, number, number, number];
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  // Documentation and benchmarking ranges: never routed on the internet, but used in labs.
  if ((a === 192 && b === 0 && parts[2] === 2) || (a === 198 && b === 51 && parts[2] === 100)) return false;
  if ((a === 203 && b === 0 && parts[2] === 113) || (a === 198 && (b === 18 || b === 19))) return false;
  return true;
}

/** The address in a candidate line: `candidate:<foundation> <component> <protocol> <priority> <address> …`. */
function candidateAddress(candidate: CheckCandidate): string {
  return candidate.candidate.replace(/^a=/, '').split(' ')[4] ?? '';
}

async function gatherDirect(scope: CheckScope, stun: RTCIceServer[]): Promise<DirectObservation> {
  const seen: DirectObservation = { types: new Set(), publicHost: false, completed: false, failedStunUrls: new Set() };
  let connection: CheckPeerConnection;
  try {
    connection = scope.open({ iceServers: stun, iceTransportPolicy: 'all' });
  } catch {
    return seen;
  }
  const done = new Promise<void>((resolve) => {
    const complete = () => {
      seen.completed = true;
      resolve();
    };
    connection.onicecandidate = (event) => {
      if (event.candidate === null || event.candidate.candidate === '') {
        complete();
        return;
      }
      const type = candidateType(event.candidate);
      if (type === null) return;
      seen.types.add(type);
      if (type === 'host' && isPublicIPv4(candidateAddress(event.candidate))) seen.publicHost = true;
      // A public address is the answer; more STUN servers would not change it.
      if (type === 'srflx') resolve();
    };
    connection.onicegatheringstatechange = () => {
      if (connection.iceGatheringState === 'complete') complete();
    };
    connection.onicecandidateerror = (event) => {
      if (typeof event.url === 'string') seen.failedStunUrls.add(event.url);
    };
  });
  try {
    // Something to negotiate, so that setLocalDescription starts gathering.
    scope.adopt(connection.createDataChannel(CHANNEL_LABEL));
    await connection.setLocalDescription(await connection.createOffer());
  } catch {
    return seen;
  }
  await Promise.race([done, scope.deadline]);
  return seen;
}

/** Two relay-only connections to each other; one message there and back proves the relay. */
async function relayRoundTrip(scope: CheckScope, turn: RTCIceServer[]): Promise<RelayResult> {
  const configuration: RTCConfiguration = { iceServers: turn, iceTransportPolicy: 'relay' };
  let caller: CheckPeerConnection;
  let callee: CheckPeerConnection;
  try {
    caller = scope.open(configuration);
    callee = scope.open(configuration);
  } catch {
    return 'unknown';
  }

  let relayed = false;
  /** The server sent an error response (e.g. 401: credentials refused): reachable, not relaying. */
  let refused = false;
  let gatheringDone = 0;
  let settle: (result: RelayResult) => void = () => {};
  const outcome = new Promise<RelayResult>((resolve) => {
    settle = resolve;
  });
  const noAnswer = () => (relayed || refused ? 'failed' : 'unreachable');

  // Candidates are handed over directly; the ones that arrive before the other side has the
  // remote description wait for it.
  const wire = (from: CheckPeerConnection, to: CheckPeerConnection) => {
    const waiting: RTCIceCandidateInit[] = [];
    let ready = false;
    const deliver = (candidate: RTCIceCandidateInit) => {
      to.addIceCandidate(candidate).catch(() => {});
    };
    from.onicecandidate = (event) => {
      if (event.candidate === null || event.candidate.candidate === '') {
        gatheringDone += 1;
        // Both finished without an address on the relay: nothing can go through it.
        if (gatheringDone === 2 && !relayed) settle(noAnswer());
        return;
      }
      if (candidateType(event.candidate) === 'relay') relayed = true;
      const init = candidateInit(event.candidate);
      if (ready) deliver(init);
      else waiting.push(init);
    };
    from.onconnectionstatechange = () => {
      if (from.connectionState === 'failed') settle(noAnswer());
    };
    from.onicecandidateerror = (event) => {
      // 300-699 are the server's own error responses; 701 means it never answered.
      if (event.errorCode !== undefined && event.errorCode >= 300 && event.errorCode < 700) refused = true;
    };
    return () => {
      ready = true;
      for (const candidate of waiting.splice(0)) deliver(candidate);
    };
  };
  const calleeReady = wire(caller, callee);
  const callerReady = wire(callee, caller);

  const probe = `parlor-check-${Math.random().toString(36).slice(2)}`;
  callee.ondatachannel = (event) => {
    const echo = scope.adopt(event.channel);
    echo.onmessage = (message) => {
      try {
        echo.send(String(message.data));
      } catch {
        // Closing under us: the deadline decides.
      }
    };
  };

  try {
    const channel = scope.adopt(caller.createDataChannel(CHANNEL_LABEL));
    channel.onopen = () => {
      try {
        channel.send(probe);
      } catch {
        // As above.
      }
    };
    channel.onmessage = (message) => {
      if (message.data === probe) settle('works');
    };
    const offer = await caller.createOffer();
    await caller.setLocalDescription(offer);
    await callee.setRemoteDescription(offer);
    calleeReady();
    const answer = await callee.createAnswer();
    await callee.setLocalDescription(answer);
    await caller.setRemoteDescription(answer);
    callerReady();
  } catch {
    // The browser refused to negotiate: nothing was learnt about the relay server.
    if (!scope.isClosed) settle('unknown');
  }

  return Promise.race([outcome, scope.deadline.then(noAnswer)]);
}

function directFrom(seen: DirectObservation, stunUrlCount: number): DirectResult {
  if (seen.types.has('srflx') || seen.publicHost) return 'works';
  // Gathering ended early without a srflx candidate and a STUN server did not fail: it
  // answered with an address this device already has (no NAT in between), and browsers drop
  // a srflx candidate that repeats a host one. An unanswered STUN server keeps gathering going
  // for many seconds (Chromium, Firefox), so this is not a server that stayed silent.
  if (seen.completed && stunUrlCount > seen.failedStunUrls.size && seen.types.has('host')) return 'works';
  return seen.types.size > 0 ? 'same-network-only' : 'unknown';
}

function directDetail(direct: DirectResult, stunConfigured: boolean): string {
  switch (direct) {
    case 'works':
      return 'Direct calls: will work from this network.';
    case 'same-network-only':
      return stunConfigured
        ? 'Direct calls: only with people on the same network as you. The address server (STUN) did not answer, so this network may block the traffic calls use.'
        : 'Direct calls: will work with people on the same network as you. With anyone else they depend on the relay server (this site has no STUN server set up).';
    case 'unknown':
      return 'Direct calls: could not be tested. Your browser gave no network address, so it may block calls.';
  }
}

function relayDetail(relay: RelayResult): string {
  switch (relay) {
    case 'works':
      return 'Relayed calls: will work (through the relay server).';
    case 'failed':
      return 'Relayed calls: the relay server answered, but nothing could be sent through it.';
    case 'unreachable':
      return 'Relayed calls: the relay server could not be reached. A firewall may block it, or it is down.';
    case 'not-configured':
      return 'Relayed calls: no relay server is set up for this site, so people behind strict firewalls may not be able to connect.';
    case 'unknown':
      return 'Relayed calls: could not be tested. Your browser did not let this page make a connection.';
  }
}

function summaryOf(direct: DirectResult, relay: RelayResult): string {
  if (relay === 'works') {
    return direct === 'works' ? 'Calls will work from this network.' : 'Calls will work from this network, through the relay server.';
  }
  if (direct === 'works') {
    return relay === 'failed' || relay === 'unreachable'
      ? 'Calls will work from this network, but the relay server is not working, so people behind strict firewalls may not be able to connect.'
      : 'Calls will work from this network, except perhaps with people behind strict firewalls.';
  }
  if (direct === 'same-network-only') return 'From this network, calls will only work with people on the same network as you.';
  return 'Calls may not work from here: your browser did not let this page make a connection.';
}

/** Puts the two results into words. */
export function describeConnection(direct: DirectResult, relay: RelayResult, stunConfigured: boolean): ConnectionCheck {
  return {
    direct,
    relay,
    summary: summaryOf(direct, relay),
    details: [directDetail(direct, stunConfigured), relayDetail(relay)],
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The connection check was cancelled.', 'AbortError');
}

/**
 * Tests direct and relayed connectivity from this network. Resolves within about `timeoutMs`
 * (default 6 s) whatever the network does; rejects only when `signal` aborts it (with the
 * signal's reason). Everything it opened is closed by the time it settles.
 */
export async function checkConnection(options: CheckConnectionOptions): Promise<ConnectionCheck> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const { stun, turn } = splitIceServers(options.iceServers);
  const scope = new CheckScope(
    options.createPeerConnection ?? browserPeerConnection,
    options.timers ?? browserTimers,
    options.timeoutMs ?? CHECK_TIMEOUT_MS,
  );
  let rejectAborted: (reason: unknown) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject;
  });
  const onAbort = () => {
    if (signal !== undefined) rejectAborted(abortError(signal));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [direct, relay] = await Promise.race([
      Promise.all([gatherDirect(scope, stun), turn.length > 0 ? relayRoundTrip(scope, turn) : ('not-configured' as const)]),
      aborted,
    ]);
    const stunUrlCount = stun.reduce((count, server) => count + urlsOf(server).length, 0);
    return describeConnection(directFrom(direct, stunUrlCount), relay, stunUrlCount > 0);
  } finally {
    scope.close();
    signal?.removeEventListener('abort', onAbort);
  }
}
