/**
 * Two Parlor instances behind the shipped nginx site (deploy/nginx/parlor.conf, rendered by
 * nginx.ts), sharing one PostgreSQL, one Redis, one token secret and one data directory (the
 * local file store), as docs/operations.md "Two instances behind nginx" runs them. Everything
 * is started here, on free loopback ports inside scripts/e2e.sh's loopback-only namespace,
 * and stopped at the end.
 *
 * Two people whose sockets are on different instances see each other online, call each
 * other with video both ways and share a file. Then the instance holding Alice's socket is
 * killed with SIGKILL: her page says it is reconnecting, reconnects through nginx to the
 * other instance without a reload, and the call goes on, for her and for Bob.
 *
 * Which instance holds whose socket is read from each instance's /metrics
 * (`parlor_sockets_open`, on its own --metrics-address).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { startPostgres, startRedis, type Backend } from './backends';
import { callVideos, firstFrame, framesFrom, inCallMarker, selfId, stats } from './call-helpers';
import { openFilesTab, sha256Of, sharedFile } from './file-helpers';
import { createRoom, expect, memberNamed, test } from './fixtures';
import { freePort, launchParlor, type LaunchedServer } from './launch';
import { freeNginxPorts, httpsOrigin, startNginx, type Nginx } from './nginx';

const MiB = 1024 * 1024;
/**
 * --presence-ttl: how long an instance's word that someone is online lasts unless renewed
 * (every third of it). Short, so that the killed instance's word about Alice runs out within
 * the test; not the shortest (3 s), so that two busy cores never make a live one run out.
 */
const PRESENCE_TTL_S = 6;

/**
 * Under `unshare --map-root-user` (scripts/e2e.sh run by someone other than root) we are
 * "root" only inside a user namespace: initdb refuses to run as root, and there is no
 * `postgres` user to become. Real root sees the whole id range mapped to itself.
 */
function rootOnlyInAUserNamespace(): boolean {
  if (process.getuid?.() !== 0) return false;
  return readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
}

test.skip(
  rootOnlyInAUserNamespace(),
  'needs PostgreSQL, which cannot run as a mapped root: run scripts/e2e.sh as root (CI does)',
);

interface Instance {
  server: LaunchedServer;
  /** Its metrics listener, `http://127.0.0.1:PORT`. */
  metrics: string;
}

let postgres: Backend | null = null;
let redis: Backend | null = null;
let nginx: Nginx | null = null;
let instances: Instance[] = [];
let shared = '';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  shared = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-shared-'));
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  // The instances need the origin browsers will use (nginx's HTTPS port) before nginx
  // needs theirs.
  const ports = await freeNginxPorts();
  const common = [
    '--database-url', postgres.url,
    '--redis-url', redis.url,
    '--token-secret', randomBytes(32).toString('hex'),
    '--trusted-proxy', '127.0.0.1/32',
    '--public-origin', httpsOrigin(ports),
    '--presence-ttl', String(PRESENCE_TTL_S),
  ];
  // One after the other: the first makes the database's tables.
  for (let i = 0; i < 2; i += 1) {
    const metricsPort = await freePort();
    const server = await launchParlor([...common, '--metrics-address', `127.0.0.1:${metricsPort}`], {
      dataDir: path.join(shared, 'data'),
    });
    instances.push({ server, metrics: `http://127.0.0.1:${metricsPort}` });
  }
  nginx = await startNginx(ports, [portOf(instances[0]!), portOf(instances[1]!)]);
});

test.afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.server.stop()));
  await Promise.all([postgres?.stop(), redis?.stop()]);
  if (shared !== '') rmSync(shared, { recursive: true, force: true });
  instances = [];
});

function portOf(instance: Instance): number {
  return Number(new URL(instance.server.url).port);
}

/** The instance's `parlor_sockets_open`. */
async function socketsOpen(instance: Instance): Promise<number> {
  const response = await fetch(`${instance.metrics}/metrics`, { signal: AbortSignal.timeout(2_000) });
  const value = /^parlor_sockets_open (\S+)$/m.exec(await response.text())?.[1];
  if (value === undefined) throw new Error(`no parlor_sockets_open in ${instance.metrics}/metrics`);
  return Number(value);
}

const socketsOnEach = () => Promise.all(instances.map(socketsOpen));

/** Someone whose browser goes to nginx's HTTPS port (its certificate is self-signed). */
async function personThroughNginx(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: nginx!.url, ignoreHTTPSErrors: true });
  return context.newPage();
}

function onlineMarker(page: Page, name: string) {
  return memberNamed(page, name).getByText('online', { exact: true });
}

/**
 * From now on, remembers every text the room header's connection status shows (even one
 * that comes and goes between two looks), and marks the document, so that a reload would
 * show (the mark would be gone).
 */
async function watchConnection(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { connectionSeen: string[]; sameDocument: boolean };
    w.connectionSeen = [];
    w.sameDocument = true;
    const look = () => {
      for (const status of document.querySelectorAll('.connection-status')) {
        const text = status.textContent?.trim() ?? '';
        if (text !== '' && !w.connectionSeen.includes(text)) w.connectionSeen.push(text);
      }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/**
 * From now on, remembers each state the People list shows for one member ("online · in
 * call", "offline", "missing", ...), even one that comes and goes between two looks.
 */
async function watchMember(page: Page, memberId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as { memberSeen: string[] };
    w.memberSeen = [];
    const look = () => {
      const row = document.querySelector(`ul[aria-label="People in this room"] li[data-member-id="${id}"]`);
      const state =
        row === null
          ? 'missing'
          : `${row.querySelector('.presence')?.textContent?.trim()}${row.getAttribute('data-in-call') === 'true' ? ' · in call' : ''}`;
      if (w.memberSeen[w.memberSeen.length - 1] !== state) w.memberSeen.push(state);
    };
    look();
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  }, memberId);
}

async function memberSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { memberSeen: string[] }).memberSeen);
}

async function connectionSeen(page: Page): Promise<{ seen: string[]; sameDocument: boolean }> {
  return page.evaluate(() => {
    const w = window as unknown as { connectionSeen?: string[]; sameDocument?: boolean };
    return { seen: w.connectionSeen ?? [], sameDocument: w.sameDocument === true };
  });
}

test('two instances behind nginx: presence, a call and a file cross them, and a killed instance\'s person comes back through the other', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const alice = await personThroughNginx(browser);
  const bob = await personThroughNginx(browser);
  expect(await socketsOnEach()).toEqual([0, 0]);

  // Alice's socket goes to one instance: hers.
  const link = await createRoom(alice, 'Alice');
  await expect.poll(async () => (await socketsOnEach()).reduce((sum, n) => sum + n, 0)).toBe(1);
  const aliceIndex = (await socketsOnEach()).indexOf(1);
  const [alices, bobs] = [instances[aliceIndex]!, instances[1 - aliceIndex]!];

  // Bob's goes to the other. nginx balances with least_conn: when Bob's page asks for its
  // socket, Alice's instance holds one open connection (her socket) and the other none, so
  // nginx picks the other (it falls back to turns only between equals). Bob's page has
  // nothing else in flight then: it opens the socket only once its join request is
  // answered, and it is made to wait until its page has loaded everything before joining.
  await bob.goto(link);
  await bob.getByLabel('Your name').fill('Bob');
  await bob.waitForLoadState('networkidle');
  await bob.getByRole('button', { name: 'Join room' }).click();
  await expect(memberNamed(bob, 'Bob')).toBeVisible();
  await expect.poll(() => Promise.all([socketsOpen(alices), socketsOpen(bobs)])).toEqual([1, 1]);

  // Each sees the other online, although their sockets are on different instances.
  await expect(onlineMarker(alice, 'Bob')).toBeVisible();
  await expect(onlineMarker(bob, 'Alice')).toBeVisible();
  await expect(onlineMarker(alice, 'Alice')).toBeVisible();
  await expect(onlineMarker(bob, 'Bob')).toBeVisible();

  // A call with video both ways: its signals cross the instances through Redis.
  const [a, b] = [await selfId(alice), await selfId(bob)];
  await alice.getByRole('button', { name: 'Start call' }).click();
  await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
  await expect(inCallMarker(bob, 'Alice')).toBeVisible();
  const joined = Date.now();
  await bob.getByRole('button', { name: 'Join call' }).click();
  await Promise.all([firstFrame(alice, b, joined), firstFrame(bob, a, joined)]);
  await expect(inCallMarker(alice, 'Bob')).toBeVisible();
  for (const page of [alice, bob]) {
    await expect(page.locator(`video[data-member-id="${a}"]`)).toHaveCount(1);
    await expect(page.locator(`video[data-member-id="${b}"]`)).toHaveCount(1);
  }

  // A file Alice shares (3 MiB: past nginx's default body limit, streamed to Parlor by the
  // site's /blobs/ location) reaches Bob, and downloads as the same bytes.
  const scratch = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-two-instances-'));
  try {
    const name = 'random-3MiB.bin';
    const bytes = randomBytes(3 * MiB);
    writeFileSync(path.join(scratch, name), bytes);
    await openFilesTab(alice);
    await openFilesTab(bob);
    await alice.locator('input[type="file"]').setInputFiles(path.join(scratch, name));
    await expect(sharedFile(alice, name)).toContainText('you', { timeout: 30_000 });
    await expect(sharedFile(bob, name)).toContainText('Alice');
    const [download] = await Promise.all([
      bob.waitForEvent('download'),
      bob.getByRole('button', { name: `Download ${name}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(name);
    expect(sha256Of(await download.path())).toBe(createHash('sha256').update(bytes).digest('hex'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const page of [alice, bob]) await page.getByRole('tab', { name: 'People' }).click();

  // Alice's instance dies at once: no goodbye to her socket, nothing published on its way out.
  await watchConnection(alice);
  await watchMember(bob, a);
  expect(await memberSeen(bob)).toEqual(['online · in call']);
  const aliceFrames = await framesFrom(alice, b);
  const bobFrames = await framesFrom(bob, a);
  const killed = Date.now();
  process.kill(alices.server.pid, 'SIGKILL');

  // Her page says so, then gets back in without a reload: through nginx (the page knows no
  // other address), which finds her instance gone and hands her socket to Bob's.
  await expect.poll(async () => (await connectionSeen(alice)).seen).toContain('Reconnecting…');
  await expect(alice.getByText('Reconnecting…')).toHaveCount(0, { timeout: 30_000 });
  const reconnectedMs = Date.now() - killed;
  await expect.poll(() => socketsOpen(bobs)).toBe(2);
  expect((await connectionSeen(alice)).sameDocument).toBe(true);
  await expect(alice).toHaveURL(link);

  // The call is back to normal for both: still in it, nobody asked to join again, each
  // sees the other's video and the other online and in the call.
  await expect(alice.getByRole('button', { name: 'Leave call' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Join call' })).toHaveCount(0);
  await expect(bob.getByRole('button', { name: 'Leave call' })).toBeVisible();
  await expect(onlineMarker(bob, 'Alice')).toBeVisible();
  await expect(inCallMarker(bob, 'Alice')).toBeVisible();
  await expect(onlineMarker(alice, 'Bob')).toBeVisible();
  await expect(inCallMarker(alice, 'Bob')).toBeVisible();
  for (const page of [alice, bob]) {
    await expect(page.locator(`video[data-member-id="${a}"]`)).toHaveCount(1);
    await expect(page.locator(`video[data-member-id="${b}"]`)).toHaveCount(1);
    await expect(callVideos(page)).toHaveCount(2);
  }
  await expect.poll(() => framesFrom(alice, b), { timeout: 20_000 }).toBeGreaterThan(aliceFrames + 10);
  await expect.poll(() => framesFrom(bob, a), { timeout: 20_000 }).toBeGreaterThan(bobFrames + 10);
  await expect.poll(async () => (await stats(alice))[b]?.connectionState).toBe('connected');
  await expect.poll(async () => (await stats(bob))[a]?.connectionState).toBe('connected');
  // Each tile's connection badge says connected (not "Reconnecting" or "Connecting").
  await expect(alice.getByRole('button', { name: /^Connection to Bob: (Good|Poor) · / })).toBeVisible();
  await expect(bob.getByRole('button', { name: /^Connection to Alice: (Good|Poor) · / })).toBeVisible();
  // And it goes on: more frames both ways after all of that.
  const [aliceLater, bobLater] = [await framesFrom(alice, b), await framesFrom(bob, a)];
  await expect.poll(() => framesFrom(alice, b)).toBeGreaterThan(aliceLater + 10);
  await expect.poll(() => framesFrom(bob, a)).toBeGreaterThan(bobLater + 10);
  const recoveredMs = Date.now() - killed;

  // Bob never saw Alice go offline or leave the call, not even once the dead instance's word
  // that she is online ran out (PRESENCE_TTL_S after its last renewal) and the live one
  // reaped it: then Redis holds only the live instance's two claims, Alice's and Bob's.
  await expect
    .poll(() => presenceClaims(redis!), { timeout: (PRESENCE_TTL_S * 4 / 3 + 10) * 1000 })
    .toBe(2);
  expect(await memberSeen(bob)).toEqual(['online · in call']);
  await expect(onlineMarker(bob, 'Alice')).toBeVisible();
  await expect(inCallMarker(bob, 'Alice')).toBeVisible();
  await expect(onlineMarker(alice, 'Bob')).toBeVisible();
  await expect(onlineMarker(alice, 'Alice')).toBeVisible();

  console.log(
    [
      `Alice's instance killed (SIGKILL): her page showed ${JSON.stringify((await connectionSeen(alice)).seen)}`,
      `  back in the room through nginx after ${reconnectedMs} ms, call checked recovered after ${recoveredMs} ms`,
    ].join('\n'),
  );

  await alice.context().close();
  await bob.context().close();
});

/** How many claims that someone is online Redis holds, live or expired (bus/redis_presence.hpp). */
function presenceClaims(redis: Backend): number {
  const { port } = new URL(redis.url);
  return Number(execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', port, 'ZCARD', 'parlor:presence']).toString().trim());
}
