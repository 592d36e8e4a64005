/**
 * Our TURN recipe, without Parlor's UI: coturn (started by turn.ts in the test's
 * loopback-only namespace) relays a WebRTC connection between two pages that may only use
 * relay candidates, and its log accounts for the relayed bytes. And the coturn configuration
 * we ship (deploy/coturn/turnserver.conf) starts cleanly and relays to no loopback, private,
 * link-local, reserved or documentation address.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { hasLoopbackIpv6, SHIPPED_CONFIG, shippedConfig, startTurn, type TurnServer } from './turn';
import { askPermissions } from './turn-client';

const contexts: BrowserContext[] = [];

/** A blank page in its own browser context (as two people on two machines); afterEach closes it. */
async function blankPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

interface PairInfo {
  state: RTCIceConnectionState;
  connection: RTCPeerConnectionState;
  local?: string;
  remote?: string;
  localAddress?: string;
}

/**
 * Creates the page's RTCPeerConnection (relay candidates only) with a pre-negotiated data
 * channel; its ICE candidates queue up in `outbox` for the test to carry to the other page.
 */
async function createPeer(page: Page, iceServer: RTCIceServer): Promise<void> {
  await page.evaluate((server) => {
    const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
    const channel = pc.createDataChannel('test', { negotiated: true, id: 0 });
    const w = window as unknown as Record<string, unknown>;
    const outbox: RTCIceCandidateInit[] = [];
    w.pc = pc;
    w.channel = channel;
    w.outbox = outbox;
    w.received = 0;
    pc.onicecandidate = (event) => {
      if (event.candidate) outbox.push(event.candidate.toJSON());
    };
    channel.onmessage = (event) => {
      w.received = (w.received as number) + (event.data as string).length;
    };
  }, iceServer);
}

/** Applies the remote description (if any) and returns the local one (offer or answer). */
async function negotiate(page: Page, remote?: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async (remote) => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    if (remote) await pc.setRemoteDescription(remote);
    if (remote?.type === 'answer') return remote;
    await pc.setLocalDescription();
    return { type: pc.localDescription!.type, sdp: pc.localDescription!.sdp };
  }, remote);
}

/** Trickle ICE: moves the candidates `from` has gathered so far to `to`. */
async function carryCandidates(from: Page, to: Page): Promise<void> {
  const candidates = await from.evaluate(() =>
    (window as unknown as { outbox: RTCIceCandidateInit[] }).outbox.splice(0),
  );
  if (candidates.length === 0) return;
  await to.evaluate(async (candidates) => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    for (const candidate of candidates) await pc.addIceCandidate(candidate);
  }, candidates);
}

async function channelState(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { channel: RTCDataChannel }).channel.readyState);
}

/** Offer/answer, then trickles candidates both ways until both pages' data channels are open. */
async function connect(a: Page, b: Page, timeout = 10_000): Promise<void> {
  await negotiate(a, await negotiate(b, await negotiate(a)));
  await expect
    .poll(
      async () => {
        await carryCandidates(a, b);
        await carryCandidates(b, a);
        return [await channelState(a), await channelState(b)];
      },
      { timeout, intervals: [50] },
    )
    .toEqual(['open', 'open']);
}

async function pairInfo(page: Page): Promise<PairInfo> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    const stats = await pc.getStats();
    const info: PairInfo = { state: pc.iceConnectionState, connection: pc.connectionState };
    stats.forEach((report) => {
      if (report.type !== 'transport' || !report.selectedCandidatePairId) return;
      const pair = stats.get(report.selectedCandidatePairId);
      const local = pair && stats.get(pair.localCandidateId);
      const remote = pair && stats.get(pair.remoteCandidateId);
      info.local = local?.candidateType;
      info.localAddress = local?.address;
      info.remote = remote?.candidateType;
    });
    return info;
  });
}

async function sendMessages(page: Page, count: number, size: number): Promise<void> {
  await page.evaluate(
    ([count, size]) => {
      const channel = (window as unknown as { channel: RTCDataChannel }).channel;
      const message = 'x'.repeat(size);
      for (let i = 0; i < count; i += 1) channel.send(message);
    },
    [count, size] as const,
  );
}

async function receivedChars(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { received: number }).received);
}

async function closePeer(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.close());
}

let turn: TurnServer | undefined;

test.afterEach(async ({}, testInfo) => {
  for (const context of contexts.splice(0)) await context.close();
  if (turn) {
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('turnserver.log', { body: turn.log(), contentType: 'text/plain' });
    }
    await turn.stop();
    turn = undefined;
  }
});

test('two relay-only peers connect through coturn, which logs the relayed bytes', async ({ browser }) => {
  test.setTimeout(30_000);
  turn = await startTurn();
  const alice = await blankPage(browser);
  const bob = await blankPage(browser);
  await createPeer(alice, turn.iceServer('alice'));
  await createPeer(bob, turn.iceServer('bob'));
  await connect(alice, bob);

  const messages = 200;
  const size = 1000;
  await sendMessages(alice, messages, size);
  await sendMessages(bob, messages, size);
  for (const page of [alice, bob]) {
    await expect.poll(() => receivedChars(page), { timeout: 10_000 }).toBe(messages * size);
    const info = await pairInfo(page);
    expect(info.state).toMatch(/^(connected|completed)$/);
    expect(info.local).toBe('relay');
    expect(info.localAddress).toBe('127.0.0.1');
    expect(info.remote).toBe('relay');
  }

  // Closing deallocates: coturn ends both sessions and logs their final usage.
  await closePeer(alice);
  await closePeer(bob);
  // Both sides sent `messages * size` bytes of payload through their relays: coturn received
  // all of it from the browsers, passed it from relay to relay, and delivered it.
  await expect
    .poll(
      () => {
        const relayed = turn!.relayedBytes();
        return Math.min(relayed.received, relayed.sent, relayed.peerReceived, relayed.peerSent);
      },
      { timeout: 10_000 },
    )
    .toBeGreaterThan(2 * messages * size);
  expect(turn.allocations()).toEqual(
    expect.arrayContaining([expect.stringMatching(/:alice$/), expect.stringMatching(/:bob$/)]),
  );
});

// --- The shipped configuration ---------------------------------------------------------------

/** Peers the shipped configuration must refuse (the required list; the file may deny more). */
const MUST_DENY = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32',
  '::/128', '::1/128', '::ffff:0:0/96', '64:ff9b::/96', '100::/64', '2001::/32', '2001:db8::/32',
  'fc00::/7', 'fe80::/10', 'ff00::/8',
];
/** What the file denies beyond MUST_DENY. */
const ALSO_DENIED = [
  '64:ff9b:1::/48', '2002::/16', '3fff::/20', 'fec0::/10',
  // outside global unicast 2000::/3 (but for ::/8)
  '100::/8', '200::/7', '400::/6', '800::/5', '1000::/4', '4000::/2', '8000::/1',
];

interface Range {
  v4: boolean;
  first: bigint;
  last: bigint;
}

function parseIp(ip: string): { v4: boolean; value: bigint } {
  if (isIPv4(ip)) return { v4: true, value: ip.split('.').reduce((sum, part) => sum * 256n + BigInt(part), 0n) };
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return { v4: false, value: groups.reduce((sum, group) => sum * 65536n + BigInt(parseInt(group, 16)), 0n) };
}

function formatIp(v4: boolean, value: bigint): string {
  const parts: string[] = [];
  for (let i = 0; i < (v4 ? 4 : 8); i += 1) {
    parts.unshift(v4 ? String(value % 256n) : (value % 65536n).toString(16));
    value = v4 ? value / 256n : value / 65536n;
  }
  return parts.join(v4 ? '.' : ':');
}

function cidr(text: string): Range {
  const [ip, bits] = text.split('/') as [string, string];
  const { v4, value } = parseIp(ip);
  const hostBits = BigInt((v4 ? 32 : 128) - Number(bits));
  const first = (value >> hostBits) << hostBits;
  return { v4, first, last: first + (1n << hostBits) - 1n };
}

test('the shipped coturn config starts cleanly and relays to no private or reserved peer', async ({}, testInfo) => {
  turn = await startTurn({ configFile: shippedConfig });
  const startup = turn.log();
  expect(startup).not.toMatch(/ERROR|Wrong|CONFIG ERROR|cannot|not found/i);
  expect(startup).toContain('Certificate file found');
  expect(startup).toContain(`Default realm: ${turn.realm}`);
  // Every denied-peer-ip line was read as a range ("Black listing: first-last").
  const lines = readFileSync(SHIPPED_CONFIG, 'utf8').match(/^denied-peer-ip=/gm) ?? [];
  expect(startup.match(/Black listing: /g) ?? []).toHaveLength(lines.length);

  const denied = [...MUST_DENY, ...ALSO_DENIED].map(cidr);
  const isDenied = (v4: boolean, value: bigint) =>
    denied.some((range) => range.v4 === v4 && range.first <= value && value <= range.last);
  const families = hasLoopbackIpv6() ? [true, false] : [true];
  if (families.length === 1) {
    testInfo.annotations.push({ type: 'skipped', description: 'IPv6 ranges: no ::1 in this namespace' });
  }
  for (const v4 of families) {
    const ranges = denied.filter((range) => range.v4 === v4);
    // Both ends of every range must be refused; the addresses just outside them (when those
    // are not denied for another reason) must be allowed, so no range is written too wide.
    const inside = [...new Set(ranges.flatMap((range) => [range.first, range.last]))].map((value) =>
      formatIp(v4, value),
    );
    const max = v4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    const outside = [
      ...new Set(
        ranges
          .flatMap((range) => [range.first - 1n, range.last + 1n])
          .filter((value) => value >= 0n && value <= max && !isDenied(v4, value)),
      ),
    ].map((value) => formatIp(v4, value));
    const { username, credential } = turn.credentials(v4 ? 'probe4' : 'probe6');
    const peers = [...inside, ...outside];
    const answers = await askPermissions(turn.port, username, credential, v4 ? 'ipv4' : 'ipv6', peers);
    const refused = answers.filter((answer) => answer.code === 403).map((answer) => answer.peer);
    const granted = answers.filter((answer) => answer.code === 0).map((answer) => answer.peer);
    expect(refused.sort()).toEqual([...inside].sort());
    expect(granted.sort()).toEqual([...outside].sort());
    expect(outside.length).toBeGreaterThan(5);
  }
  // coturn names the rule that refused (loopback, multicast and :: are refused before the list).
  expect(turn.log()).toContain('A peer IP 10.0.0.0 denied in the range: 10.0.0.0-10.255.255.255');
  if (families.length === 2) expect(turn.log()).toContain('A peer IP 2001:db8:: denied in the range');
});

test('behind NAT, the shipped config still relays between its own users, and to nothing else private', async () => {
  // As an operator on a cloud VM would uncomment it: public address / private address.
  // (203.0.113.77 stands for the public address; nothing is sent to any peer here.)
  turn = await startTurn({ configFile: (values) => shippedConfig(values, ['external-ip=203.0.113.77/10.0.0.5']) });
  expect(turn.log()).toContain('Whitelisting external-ip private part: 10.0.0.5');
  const { username, credential } = turn.credentials('nat');
  const peers = ['203.0.113.77', '10.0.0.4', '10.0.0.6', '203.0.113.78'];
  const answers = await askPermissions(turn.port, username, credential, 'ipv4', peers);
  // Two users of this server relay to each other's relay address, the public one, which coturn
  // maps to the private one before the check; coturn lets that one address (and no other) pass.
  expect(answers.map((answer) => [answer.peer, answer.code])).toEqual([
    ['203.0.113.77', 0],
    ['10.0.0.4', 403],
    ['10.0.0.6', 403],
    ['203.0.113.78', 403],
  ]);
});

test('with the shipped config, relay-only pages on loopback never connect', async ({ browser }) => {
  test.setTimeout(30_000);
  turn = await startTurn({ configFile: shippedConfig });
  const alice = await blankPage(browser);
  const bob = await blankPage(browser);
  await createPeer(alice, turn.iceServer('alice'));
  await createPeer(bob, turn.iceServer('bob'));
  await negotiate(alice, await negotiate(bob, await negotiate(alice)));
  // Both get a relay (the allocations succeed), but coturn refuses each a permission to the
  // other's relay address, 127.0.0.1, and the connection fails at once instead of relaying
  // (Chromium: connectionState 'failed'; iceConnectionState says 'disconnected').
  await expect
    .poll(
      async () => {
        await carryCandidates(alice, bob);
        await carryCandidates(bob, alice);
        return [(await pairInfo(alice)).connection, (await pairInfo(bob)).connection];
      },
      { timeout: 20_000, intervals: [100] },
    )
    .toEqual(['failed', 'failed']);
  expect(turn.allocations()).toEqual(
    expect.arrayContaining([expect.stringMatching(/:alice$/), expect.stringMatching(/:bob$/)]),
  );
  for (const name of ['alice', 'bob']) {
    const refusal = `user <\\d+:${name}>: incoming packet CREATE_PERMISSION processed, error 403: Forbidden IP`;
    expect(turn.log()).toMatch(new RegExp(refusal));
  }
  expect(turn.log()).not.toMatch(/CREATE_PERMISSION processed, success/);
  expect(await channelState(alice)).not.toBe('open');
  expect(turn.relayedBytes().peerSent).toBe(0);
});
