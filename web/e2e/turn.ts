/**
 * Starts a coturn TURN server (Debian's `turnserver`) for one test, inside the test's
 * loopback-only network namespace (scripts/e2e.sh): a free loopback port (UDP and TCP), a
 * free relay port range, a random REST secret, and every file it writes (log, pid file,
 * SQLite user database) in a temporary directory that stop() removes. startTurn() returns
 * once both listeners answer (a TCP connect and a STUN Binding over UDP).
 *
 * Relayed traffic is read from coturn's own log. With `-v` (always on here), coturn 4.6
 * logs per TURN allocation (one per browser and peer connection):
 *
 *     session 001000000000000001: usage: realm=<parlor.test>, username=<1796332180:alice>,
 *         rp=340, rb=223770, sp=325, sb=233424
 *     session 001000000000000001: peer usage: realm=<parlor.test>, username=<1796332180:alice>,
 *         rp=320, rb=231415, sp=334, sb=221712
 *
 * (one line each in the log).
 *
 * rp/rb: packets/bytes coturn received from the browser (for "peer usage": from the peer,
 * into the relay socket); sp/sb: what it sent to the browser (to the peer). These lines
 * come not on a timer but each time the allocation's four packet counters add up to a
 * multiple of 4096, and once more when the allocation ends (the browser deallocates on
 * RTCPeerConnection.close(), within about a second, or it expires); each counts the
 * traffic since the allocation's previous line, so relayedBytes() adds them up. coturn has
 * no option to make it more frequent. Measured here: a two-person fake-camera call logs
 * its first usage lines about 6 s after video starts; a few data-channel messages only
 * show when the connection closes. So during a call poll relayedBytes() with a deadline of
 * 20 s or more, or close the connections first and poll for a few seconds.
 * allocations() is immediate: coturn logs each allocation as it grants it.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './launch';
import { startService, tcpAccepts } from './service';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
/** The coturn configuration shipped for production. */
export const SHIPPED_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../deploy/coturn/turnserver.conf',
);
const REALM = 'parlor.test';
const STARTUP_DEADLINE_MS = 10_000;
const RELAY_PORTS = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true if `port` can be bound on loopback with this protocol right now. */
function canBind(protocol: 'tcp' | 'udp', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, HOST, () => probe.close(() => resolve(true)));
    } else {
      const probe = createSocket('udp4');
      probe.once('error', () => {
        probe.close();
        resolve(false);
      });
      probe.bind(port, HOST, () => probe.close(() => resolve(true)));
    }
  });
}

/** A TCP port from the kernel (as launch.ts picks one) that is free for UDP too. */
async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await freePort();
    if (await canBind('udp', port)) return port;
  }
  throw new Error('found no port free for both TCP and UDP on 127.0.0.1');
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: assume the kernel's default
  }
  return [32768, 60999];
}

/**
 * A block of RELAY_PORTS UDP ports, all free now, outside the kernel's ephemeral range
 * (which Chromium's and the server's own sockets draw from), so nothing else takes them.
 */
async function freeRelayRange(): Promise<[number, number]> {
  const [low, high] = ephemeralRange();
  const spans: [number, number][] = [];
  if (65535 - high > RELAY_PORTS) spans.push([high + 1, 65535 - RELAY_PORTS + 1]);
  if (low - 10_000 > RELAY_PORTS) spans.push([10_000, low - RELAY_PORTS]);
  if (spans.length === 0) spans.push([10_000, 65535 - RELAY_PORTS + 1]);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const [from, to] = spans[attempt % spans.length]!;
    const first = from + Math.floor(Math.random() * (to - from));
    let free = true;
    for (let port = first; port < first + RELAY_PORTS && free; port += 1) free = await canBind('udp', port);
    if (free) return [first, first + RELAY_PORTS - 1];
  }
  throw new Error(`found no ${RELAY_PORTS} free UDP ports in a row for coturn's relays`);
}

/** One STUN Binding request over UDP; true when a response with our transaction id comes back. */
function stunBinding(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const transaction = randomBytes(12);
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt16BE(0, 2); // no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    transaction.copy(request, 8);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('message', (message) => {
      if (message.length >= 20 && message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(transaction)) {
        done(true);
      }
    });
    socket.send(request, port, HOST);
  });
}

/** Bytes and packets through coturn, summed over every usage line logged so far. */
export interface RelayedBytes {
  /** From TURN clients (the browsers) to coturn. */
  received: number;
  /** From coturn to TURN clients. */
  sent: number;
  /** Into relay sockets from peers (here: the other browser's relay). */
  peerReceived: number;
  /** Out of relay sockets to peers. */
  peerSent: number;
  /** How many `usage:` lines these sums come from. */
  reports: number;
}

const USAGE =
  /session (\d+): (peer )?usage: realm=<[^>]*>, username=<([^>]*)>, rp=(\d+), rb=(\d+), sp=(\d+), sb=(\d+)/g;
const ALLOCATION = /session \d+: new, realm=<[^>]*>, username=<([^>]*)>/g;

/**
 * Sums coturn's `usage:` and `peer usage:` lines (each counts traffic since the session's
 * previous one). Sessions that never authenticated (username=<>, e.g. the readiness probe)
 * relay nothing and are left out.
 */
export function parseRelayedBytes(log: string): RelayedBytes {
  const total: RelayedBytes = { received: 0, sent: 0, peerReceived: 0, peerSent: 0, reports: 0 };
  for (const match of log.matchAll(USAGE)) {
    if (!match[3]) continue;
    const [received, sent] = [Number(match[5]), Number(match[7])];
    if (match[2]) {
      total.peerReceived += received;
      total.peerSent += sent;
    } else {
      total.received += received;
      total.sent += sent;
      total.reports += 1;
    }
  }
  return total;
}

/** TURN REST API credentials (what Parlor's --turn-secret hands out): `<expiry>:<id>` and its HMAC. */
export function turnCredentials(
  secret: string,
  id: string,
  ttlSeconds = 3600,
): { username: string; credential: string } {
  const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export interface TurnServer {
  /** `turn:127.0.0.1:PORT?transport=udp` */
  url: string;
  /** The same listener over TCP. */
  tcpUrl: string;
  port: number;
  secret: string;
  realm: string;
  pid: number;
  /** The temporary directory holding coturn's log, pid file and database (removed by stop()). */
  dir: string;
  /** Credentials for one browser, valid for `ttlSeconds`. */
  credentials(id: string, ttlSeconds?: number): { username: string; credential: string };
  /** An RTCConfiguration `iceServers` entry for one browser. */
  iceServer(id: string): { urls: string; username: string; credential: string };
  /** Everything coturn has logged so far (kept after stop()). */
  log(): string;
  relayedBytes(): RelayedBytes;
  /** Usernames of the allocations coturn granted so far (logged as soon as each is made). */
  allocations(): string[];
  /** SIGTERM (SIGKILL after 5 s), then the temporary directory goes. */
  stop(): Promise<void>;
}

/** What startTurn picked for this server, for a configuration file written by the caller. */
export interface TurnValues {
  port: number;
  /** A second free port, for TLS/DTLS. */
  tlsPort: number;
  minPort: number;
  maxPort: number;
  secret: string;
  realm: string;
  /** The temporary directory (removed by stop()). */
  dir: string;
}

export interface TurnOptions {
  /**
   * Start from a configuration file (`-c FILE`) instead of the test flags; the callback
   * writes it with startTurn's port, relay range and secret and returns its path.
   * See shippedConfig.
   */
  configFile?: (values: TurnValues) => string;
  /** Extra command-line flags. */
  args?: string[];
}

/** Whether this network namespace has ::1 (IPv6 may be disabled): coturn can relay IPv6 then. */
export function hasLoopbackIpv6(): boolean {
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.family === 'IPv6' && address.address === '::1'),
  );
}

/**
 * A test copy of deploy/coturn/turnserver.conf: the lines that hold placeholders or fixed
 * ports take startTurn's values (ports, relay range, secret, realm, a self-signed
 * certificate made with `openssl`), syslog gives way to startTurn's log capture, and it
 * listens and relays on loopback only (127.0.0.1, and ::1 when the namespace has it, so
 * that relays of both families exist; see hasLoopbackIpv6).
 * Nothing else changes: in particular `allow-loopback-peers` stays off and every
 * denied-peer-ip line stays. `extraLines` are appended (as an operator uncommenting
 * `external-ip` would). Throws when a line it replaces is missing from the file.
 */
export function shippedConfig(values: TurnValues, extraLines: string[] = []): string {
  const cert = path.join(values.dir, 'cert.pem');
  const key = path.join(values.dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=turn.parlor.test', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  const replacements: [RegExp, string][] = [
    [/^listening-port=3478$/m, `listening-port=${values.port}`],
    [/^tls-listening-port=443$/m, `tls-listening-port=${values.tlsPort}`],
    [/^min-port=\d+$/m, `min-port=${values.minPort}`],
    [/^max-port=\d+$/m, `max-port=${values.maxPort}`],
    [/^static-auth-secret=.*$/m, `static-auth-secret=${values.secret}`],
    [/^realm=.*$/m, `realm=${values.realm}`],
    [/^cert=.*$/m, `cert=${cert}`],
    [/^pkey=.*$/m, `pkey=${key}`],
    [/^syslog$/m, `listening-ip=${HOST}\nrelay-ip=${HOST}${hasLoopbackIpv6() ? '\nrelay-ip=::1' : ''}`],
  ];
  let text = readFileSync(SHIPPED_CONFIG, 'utf8');
  for (const [pattern, line] of replacements) {
    if (!pattern.test(text)) throw new Error(`${SHIPPED_CONFIG} has no line matching ${pattern}`);
    text = text.replace(pattern, line);
  }
  const file = path.join(values.dir, 'turnserver.conf');
  writeFileSync(file, [text, ...extraLines, ''].join('\n'));
  return file;
}

export async function startTurn(options: TurnOptions = {}): Promise<TurnServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parlor-turn-'));
  const port = await freeUdpTcpPort();
  const [minPort, maxPort] = await freeRelayRange();
  const secret = randomBytes(24).toString('hex');
  let tlsPort = 0;
  while (options.configFile && (tlsPort === 0 || tlsPort === port)) tlsPort = await freeUdpTcpPort();
  const files = [
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    `--userdb=${path.join(dir, 'turndb')}`,
    '--log-file=stdout',
  ];
  const values: TurnValues = { port, tlsPort, minPort, maxPort, secret, realm: REALM, dir };
  const args = options.configFile
    ? ['-c', options.configFile(values), ...files, '-v', ...(options.args ?? [])]
    : [
        '-n',
        ...files,
        '-v',
        `--listening-ip=${HOST}`,
        `--relay-ip=${HOST}`,
        `--listening-port=${port}`,
        `--min-port=${minPort}`,
        `--max-port=${maxPort}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        `--realm=${REALM}`,
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--allow-loopback-peers',
        ...(options.args ?? []),
      ];

  const turn = startService('turnserver', args, dir, {
    cwd: dir,
    keepAll: true,
    log: createWriteStream(path.join(dir, 'turnserver.log')),
  });
  const stop = turn.stop;

  // Ready when both listeners answer: a TCP connect and a STUN Binding over UDP.
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  for (;;) {
    if (turn.exit() !== null) {
      await stop();
      throw new Error(`turnserver ${turn.exit()} before it was ready.\n$ turnserver ${args.join(' ')}\n${turn.output()}`);
    }
    if ((await tcpAccepts(HOST, port, 500)) && (await stunBinding(port, 500))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `turnserver did not answer on ${HOST}:${port} within ${STARTUP_DEADLINE_MS / 1000} s.\n${turn.output()}`,
      );
    }
    await sleep(50);
  }

  const credentials = (id: string, ttlSeconds = 3600) => turnCredentials(secret, id, ttlSeconds);
  const url = `turn:${HOST}:${port}?transport=udp`;
  return {
    url,
    tcpUrl: `turn:${HOST}:${port}?transport=tcp`,
    port,
    secret,
    realm: REALM,
    pid: turn.child.pid!,
    dir,
    credentials,
    iceServer: (id: string) => ({ urls: url, ...credentials(id) }),
    log: () => turn.output(),
    relayedBytes: () => parseRelayedBytes(turn.output()),
    allocations: () => [...turn.output().matchAll(ALLOCATION)].map((match) => match[1]!),
    stop,
  };
}
