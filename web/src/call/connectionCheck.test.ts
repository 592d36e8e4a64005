import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../rtc/fakes';
import {
  candidateType,
  checkConnection,
  isPublicIPv4,
  splitIceServers,
  type CheckCandidate,
  type CheckDataChannel,
  type CheckPeerConnection,
  type ConnectionCheck,
} from './connectionCheck';

/** What the network and the servers do, as the fake connections play it. */
interface NetworkScript {
  /**
   * The STUN server answers behind a NAT (a `srflx` candidate), answers with the address the
   * device already has (no candidate: browsers drop a srflx that repeats a host), or fails
   * (an `icecandidateerror`, as for a failed lookup or, much later, a timeout).
   */
  stun: 'answers' | 'own-address' | 'silent';
  /** The TURN server relays, hands out an address but relays nothing, refuses the credentials (401), or never answers. */
  turn: 'relays' | 'allocates-only' | 'refuses' | 'silent';
  /** Gathering ends with an end-of-candidates event; else it hangs until the deadline. */
  gatheringCompletes: boolean;
  /** With `allocates-only`: the connections go `failed` (else they just never connect). */
  connectionFails: boolean;
  /** The browser has no addresses at all (e.g. WebRTC blocked by a policy). */
  noAddresses: boolean;
  /** The device's own address, as the host candidate shows it. */
  hostAddress: string;
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

class FakeChannel implements CheckDataChannel {
  onopen: (() => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  closed = false;
  peer: FakeChannel | null = null;

  send(data: string): void {
    if (this.closed) throw new Error('send on a closed channel');
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer !== null && !peer.closed) peer.onmessage?.({ data });
    });
  }

  close(): void {
    this.closed = true;
  }
}

class FakeNetwork {
  readonly connections: FakeConnection[] = [];
  readonly channels: FakeChannel[] = [];
  private readonly offers = new Map<string, FakeConnection>();

  constructor(readonly script: NetworkScript) {}

  create = (configuration: RTCConfiguration): CheckPeerConnection => {
    const connection = new FakeConnection(this, configuration, this.connections.length);
    this.connections.push(connection);
    return connection;
  };

  channel(): FakeChannel {
    const channel = new FakeChannel();
    this.channels.push(channel);
    return channel;
  }

  registerOffer(sdp: string, from: FakeConnection): void {
    this.offers.set(sdp, from);
  }

  offerer(sdp: string): FakeConnection | undefined {
    return this.offers.get(sdp);
  }

  /** Everything that was opened is closed and has no handler left. */
  allClosed(): boolean {
    return (
      this.connections.every(
        (c) =>
          c.closed &&
          c.onicecandidate === null &&
          c.onicegatheringstatechange === null &&
          c.onicecandidateerror === null &&
          c.onconnectionstatechange === null &&
          c.ondatachannel === null,
      ) && this.channels.every((ch) => ch.closed && ch.onopen === null && ch.onmessage === null)
    );
  }
}

class FakeConnection implements CheckPeerConnection {
  iceGatheringState: RTCIceGatheringState = 'new';
  connectionState: RTCPeerConnectionState = 'new';
  onicecandidate: ((event: { readonly candidate: CheckCandidate | null }) => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  onicecandidateerror: ((event: { readonly url?: string; readonly errorCode?: number }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ondatachannel: ((event: { readonly channel: CheckDataChannel }) => void) | null = null;
  closed = false;
  localChannel: FakeChannel | null = null;
  /** The connection at the other end, once descriptions were exchanged. */
  other: FakeConnection | null = null;
  remoteRelayCandidates = 0;
  private hasRemote = false;

  constructor(
    private readonly network: FakeNetwork,
    readonly configuration: RTCConfiguration,
    private readonly index: number,
  ) {}

  private get relayOnly(): boolean {
    return this.configuration.iceTransportPolicy === 'relay';
  }

  createDataChannel(): CheckDataChannel {
    this.localChannel = this.network.channel();
    return this.localChannel;
  }

  async createOffer() {
    const sdp = `offer-${this.index}`;
    this.network.registerOffer(sdp, this);
    return { type: 'offer' as const, sdp };
  }

  async createAnswer() {
    return { type: 'answer' as const, sdp: `answer-${this.index}` };
  }

  async setLocalDescription(): Promise<void> {
    if (this.closed) throw new Error('closed');
    // Candidates come as separate tasks after the description, as in browsers.
    setTimeout(() => this.gather(), 0);
  }

  async setRemoteDescription(description: { type: RTCSdpType; sdp?: string }): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.hasRemote = true;
    if (description.type === 'offer') {
      const offerer = this.network.offerer(description.sdp ?? '');
      if (offerer !== undefined) {
        this.other = offerer;
        offerer.other = this;
      }
    }
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.closed) throw new Error('closed');
    if (!this.hasRemote) throw new Error('no remote description');
    if (candidate.candidate?.includes(' typ relay')) this.remoteRelayCandidates += 1;
    this.maybeConnect();
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }

  private emit(candidate: CheckCandidate | null): void {
    if (!this.closed) this.onicecandidate?.({ candidate });
  }

  private gather(): void {
    const { script } = this.network;
    this.iceGatheringState = 'gathering';
    const withServers = (this.configuration.iceServers ?? []).length > 0;
    if (!script.noAddresses) {
      if (this.relayOnly) {
        if (script.turn === 'refuses') {
          const url = this.configuration.iceServers![0]!.urls[0]!;
          this.onicecandidateerror?.({ url, errorCode: 401 });
        } else if (script.turn !== 'silent') {
          // Only in the candidate string, as Firefox gives it.
          this.emit({ candidate: `candidate:3 1 udp 41885439 203.0.113.9 50000 typ relay raddr 0.0.0.0 rport 0`, sdpMid: '0', sdpMLineIndex: 0 });
        }
      } else {
        this.emit({ candidate: `candidate:1 1 udp 2122260223 ${script.hostAddress} 54400 typ host`, type: 'host', sdpMid: '0', sdpMLineIndex: 0 });
        if (withServers && script.stun === 'answers') {
          this.emit({ candidate: 'candidate:2 1 udp 1686052607 198.51.100.7 54400 typ srflx', type: 'srflx', sdpMid: '0', sdpMLineIndex: 0 });
        }
        if (withServers && script.stun === 'silent' && script.gatheringCompletes && !this.closed) {
          const url = this.configuration.iceServers![0]!.urls[0]!;
          this.onicecandidateerror?.({ url, errorCode: 701 });
        }
      }
    }
    if (script.gatheringCompletes) {
      this.iceGatheringState = 'complete';
      this.emit(null);
      if (!this.closed) this.onicegatheringstatechange?.();
    }
  }

  private setState(state: RTCPeerConnectionState): void {
    if (this.closed) return;
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  private maybeConnect(): void {
    const other = this.other;
    if (other === null || this.remoteRelayCandidates === 0 || other.remoteRelayCandidates === 0) return;
    if (this.connectionState !== 'new') return;
    const { script } = this.network;
    if (script.turn === 'allocates-only') {
      if (script.connectionFails) {
        this.setState('failed');
        other.setState('failed');
      }
      return;
    }
    this.setState('connected');
    other.setState('connected');
    const [offerer, answerer] = this.localChannel !== null ? [this, other] : [other, this];
    const local = offerer.localChannel!;
    const remote = this.network.channel();
    local.peer = remote;
    remote.peer = local;
    queueMicrotask(() => {
      if (!answerer.closed) answerer.ondatachannel?.({ channel: remote });
      if (!local.closed) local.onopen?.();
    });
  }
}

const STUN = { urls: 'stun:stun.example.org:3478' };
const TURN = { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], username: '1700000000:m1', credential: 'secret' };

const good: NetworkScript = {
  stun: 'answers',
  turn: 'relays',
  gatheringCompletes: true,
  connectionFails: false,
  noAddresses: false,
  hostAddress: 'abc.local',
};

/** Runs a check on a scripted network; `deadline` advances the fake clock past the timeout. */
async function run(
  script: Partial<NetworkScript>,
  iceServers = [STUN, TURN],
  { deadline = false }: { deadline?: boolean } = {},
): Promise<{ result: ConnectionCheck; network: FakeNetwork; timers: ManualTimers }> {
  const network = new FakeNetwork({ ...good, ...script });
  const timers = new ManualTimers();
  let result: ConnectionCheck | null = null;
  const check = checkConnection({ iceServers, createPeerConnection: network.create, timers, timeoutMs: 6000 }).then(
    (r) => {
      result = r;
    },
  );
  for (let i = 0; i < 5; i++) await settle();
  if (deadline) {
    expect(result).toBeNull();
    timers.advance(5999);
    await settle();
    expect(result).toBeNull();
    timers.advance(1);
  }
  await check;
  return { result: result!, network, timers };
}

describe('checkConnection', () => {
  it('says calls will work when STUN sees a public address and a message goes through the relay', async () => {
    const { result, network, timers } = await run({});
    expect(result).toEqual({
      direct: 'works',
      relay: 'works',
      summary: 'Calls will work from this network.',
      details: ['Direct calls: will work from this network.', 'Relayed calls: will work (through the relay server).'],
    });
    // The direct half asks the STUN servers only; the relay half uses the TURN servers with
    // their credentials and nothing but relay candidates.
    expect(network.connections.map((c) => c.configuration)).toEqual([
      { iceServers: [{ urls: ['stun:stun.example.org:3478'] }], iceTransportPolicy: 'all' },
      { iceServers: [TURN], iceTransportPolicy: 'relay' },
      { iceServers: [TURN], iceTransportPolicy: 'relay' },
    ]);
    expect(network.allClosed()).toBe(true);
    expect(timers.pending).toBe(0);
  });

  it('direct calls only on the same network when the STUN server does not answer', async () => {
    const { result, network, timers } = await run({ stun: 'silent' });
    expect(result.direct).toBe('same-network-only');
    expect(result.relay).toBe('works');
    expect(result.summary).toBe('Calls will work from this network, through the relay server.');
    expect(result.details[0]).toContain('only with people on the same network as you');
    expect(result.details[0]).toContain('did not answer');
    expect(network.allClosed()).toBe(true);
    expect(timers.pending).toBe(0);
  });

  it('direct calls work when the STUN server answers with our own address (no NAT), or the device has a public one', async () => {
    const noNat = await run({ stun: 'own-address' });
    expect(noNat.result.direct).toBe('works');
    expect(noNat.result.details[0]).toBe('Direct calls: will work from this network.');

    const publicHost = await run({ stun: 'silent', gatheringCompletes: false, hostAddress: '93.184.216.34' }, [STUN, TURN], {
      deadline: true,
    });
    expect(publicHost.result.direct).toBe('works');
    // A private address is no such proof.
    const privateHost = await run({ stun: 'silent', hostAddress: '192.168.1.20' }, [TURN]);
    expect(privateHost.result.direct).toBe('same-network-only');
    expect(publicHost.network.allClosed() && privateHost.network.allClosed()).toBe(true);
  });

  it('gives up waiting at the deadline when gathering never ends, and still closes everything', async () => {
    const { result, network, timers } = await run(
      { stun: 'silent', turn: 'silent', gatheringCompletes: false },
      [STUN, TURN],
      { deadline: true },
    );
    expect(result.direct).toBe('same-network-only');
    expect(result.relay).toBe('unreachable');
    expect(result.summary).toBe('From this network, calls will only work with people on the same network as you.');
    expect(network.allClosed()).toBe(true);
    expect(timers.pending).toBe(0);
  });

  it('without STUN: direct calls work on the same network and otherwise depend on the relay', async () => {
    const { result, network } = await run({}, [TURN]);
    expect(result.direct).toBe('same-network-only');
    expect(result.details[0]).toBe(
      'Direct calls: will work with people on the same network as you. With anyone else they depend on the relay server (this site has no STUN server set up).',
    );
    expect(network.connections[0]!.configuration.iceServers).toEqual([]);
    expect(network.allClosed()).toBe(true);
  });

  it('without TURN: relayed calls are not set up, and only one connection is made', async () => {
    const { result, network } = await run({}, [STUN]);
    expect(result.relay).toBe('not-configured');
    expect(result.summary).toBe('Calls will work from this network, except perhaps with people behind strict firewalls.');
    expect(result.details[1]).toBe(
      'Relayed calls: no relay server is set up for this site, so people behind strict firewalls may not be able to connect.',
    );
    expect(network.connections).toHaveLength(1);
    expect(network.allClosed()).toBe(true);
  });

  it('relay reachable but relaying fails: says the relay answered but nothing went through', async () => {
    const failed = await run({ turn: 'allocates-only', connectionFails: true });
    expect(failed.result.relay).toBe('failed');
    expect(failed.result.details[1]).toBe('Relayed calls: the relay server answered, but nothing could be sent through it.');
    expect(failed.result.summary).toContain('the relay server is not working');
    expect(failed.network.allClosed()).toBe(true);
    expect(failed.timers.pending).toBe(0);

    // Credentials refused: the server answered, so it is not "unreachable".
    const refused = await run({ turn: 'refuses' });
    expect(refused.result.relay).toBe('failed');
    expect(refused.network.allClosed()).toBe(true);

    // No `failed` state within the deadline: the same answer once time is up.
    const stuck = await run({ turn: 'allocates-only', connectionFails: false }, [STUN, TURN], { deadline: true });
    expect(stuck.result.relay).toBe('failed');
    expect(stuck.network.allClosed()).toBe(true);
    expect(stuck.timers.pending).toBe(0);
  });

  it('relay unreachable: no relay address at all, without waiting for the deadline once gathering ends', async () => {
    const { result, network, timers } = await run({ turn: 'silent' });
    expect(result.relay).toBe('unreachable');
    expect(result.details[1]).toBe(
      'Relayed calls: the relay server could not be reached. A firewall may block it, or it is down.',
    );
    expect(network.allClosed()).toBe(true);
    expect(timers.pending).toBe(0);
  });

  it('a browser that gives no address, or makes no connection, gets "could not be tested"', async () => {
    const blocked = await run({ noAddresses: true, turn: 'silent' });
    expect(blocked.result.direct).toBe('unknown');
    expect(blocked.result.details[0]).toContain('could not be tested');

    const timers = new ManualTimers();
    const result = await checkConnection({
      iceServers: [STUN, TURN],
      createPeerConnection: () => {
        throw new Error('no WebRTC');
      },
      timers,
    });
    expect(result).toMatchObject({ direct: 'unknown', relay: 'unknown' });
    expect(result.summary).toBe('Calls may not work from here: your browser did not let this page make a connection.');
    expect(timers.pending).toBe(0);
  });

  it('aborting rejects, closes every connection and clears the timer', async () => {
    const network = new FakeNetwork({ ...good, stun: 'silent', turn: 'silent', gatheringCompletes: false });
    const timers = new ManualTimers();
    const controller = new AbortController();
    const check = checkConnection({ iceServers: [STUN, TURN], createPeerConnection: network.create, timers, signal: controller.signal });
    await settle();
    expect(network.connections).toHaveLength(3);
    controller.abort();
    await expect(check).rejects.toMatchObject({ name: 'AbortError' });
    expect(network.allClosed()).toBe(true);
    expect(timers.pending).toBe(0);

    // Already aborted: nothing is opened at all.
    const before = network.connections.length;
    await expect(
      checkConnection({ iceServers: [STUN], createPeerConnection: network.create, timers, signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(network.connections).toHaveLength(before);
  });
});

describe('splitIceServers', () => {
  it('keeps STUN URLs without credentials and TURN URLs with them', () => {
    expect(
      splitIceServers([
        { urls: 'stun:a.example' },
        { urls: ['stun:b.example', 'turn:b.example'], username: 'u', credential: 'c' },
        { urls: 'turns:c.example', username: 'u2', credential: 'c2' },
      ]),
    ).toEqual({
      stun: [{ urls: ['stun:a.example'] }, { urls: ['stun:b.example'] }],
      turn: [
        { urls: ['turn:b.example'], username: 'u', credential: 'c' },
        { urls: ['turns:c.example'], username: 'u2', credential: 'c2' },
      ],
    });
  });
});

describe('isPublicIPv4', () => {
  it('tells internet addresses from private, shared, loopback, link-local and reserved ones', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1']) expect(isPublicIPv4(address)).toBe(true);
    for (const address of ['10.1.2.3', '172.16.0.1', '192.168.0.10', '100.64.0.1', '127.0.0.1', '169.254.1.1', '192.0.2.2', 'abc.local', 'fd00::2', '300.1.1.1']) {
      expect(isPublicIPv4(address)).toBe(false);
    }
  });
});

describe('candidateType', () => {
  it('reads the type field, or the typ in the candidate line', () => {
    expect(candidateType({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', type: 'host' })).toBe('host');
    expect(candidateType({ candidate: 'candidate:2 1 udp 1 1.2.3.4 5 typ srflx raddr 0.0.0.0 rport 0' })).toBe('srflx');
    expect(candidateType({ candidate: 'candidate:3 1 udp 1 1.2.3.4 5 typ relay' })).toBe('relay');
    expect(candidateType({ candidate: '' })).toBeNull();
  });
});
