/**
 * Calls across networks that fight back, in the loopback-only namespace: a relay-only server
 * whose calls go through coturn (started by the test), and a call whose UDP is cut for 10 s
 * by the namespace's own firewall, then restored. Nothing here reloads a page.
 */
import { firstFrame, framesFrom, selfId, stats, twoInACall } from './call-helpers';
import { createRoom, expect, joinRoom, person, test } from './fixtures';
import { launchParlor } from './launch';
import { blockUdp, unblockUdp } from './netfault';
import { startTurn } from './turn';

test('relay-only: a call goes through coturn, both tiles say "Relayed", and coturn counts the bytes', async ({ browser }) => {
  const turn = await startTurn();
  const server = await launchParlor([
    '--turn-url',
    turn.url,
    '--turn-secret',
    turn.secret,
    '--ice-transport-policy',
    'relay',
  ]);
  try {
    const alice = await person(browser, server.url);
    const bob = await person(browser, server.url);
    const link = await createRoom(alice, 'Alice');
    await joinRoom(bob, link, 'Bob');
    const [a, b] = [await selfId(alice), await selfId(bob)];
    // The header says what relay-only means for them.
    for (const page of [alice, bob]) {
      await expect(page.getByText("Private calls: people never see each other's network address")).toBeVisible();
    }

    await alice.getByRole('button', { name: 'Start call' }).click();
    // Before joining, Bob's "Test connection" proves the relay with his own credentials.
    await bob.getByRole('button', { name: 'Test connection' }).click();
    await expect(bob.getByText('Relayed calls: will work (through the relay server).')).toBeVisible({ timeout: 15_000 });
    const since = Date.now();
    await bob.getByRole('button', { name: 'Join call' }).click();
    await Promise.all([firstFrame(alice, b, since), firstFrame(bob, a, since)]);

    // Both sides' selected pair is a relay candidate, and the tiles say so.
    await expect.poll(async () => (await stats(alice))[b]?.path).toBe('relay');
    await expect.poll(async () => (await stats(bob))[a]?.path).toBe('relay');
    await expect(alice.locator(`[data-tile-member-id="${b}"]`).getByText('Relayed')).toBeVisible();
    await expect(bob.locator(`[data-tile-member-id="${a}"]`).getByText('Relayed')).toBeVisible();

    // coturn carried the media: its usage lines add up to real video, both allocations ours.
    await expect.poll(() => turn.relayedBytes().peerSent, { timeout: 20_000 }).toBeGreaterThan(100_000);
    const relayed = turn.relayedBytes();
    console.log(
      `coturn relayed ${relayed.peerSent} bytes to peers and ${relayed.sent} bytes to clients ` +
        `(${relayed.reports} usage reports; allocations: ${turn.allocations().join(', ')})`,
    );
    const usernames = turn.allocations();
    expect(usernames.some((u) => u.endsWith(`:${a}`))).toBe(true);
    expect(usernames.some((u) => u.endsWith(`:${b}`))).toBe(true);

    await alice.context().close();
    await bob.context().close();
  } finally {
    await server.stop();
    await turn.stop();
  }
});

test('a call recovers by itself after UDP is blocked for 10 s, without a reload', async ({ browser }) => {
  test.setTimeout(120_000);
  const { alice, bob, a, b } = await twoInACall(browser);
  const aliceTile = alice.locator(`[data-tile-member-id="${b}"]`);
  await expect(aliceTile.getByText('Good')).toBeVisible();

  try {
    await blockUdp();
    const blockedAt = Date.now();
    // Both browsers notice the dead path; the badge says so.
    await expect(aliceTile.getByText('Reconnecting')).toBeVisible({ timeout: 9_000 });
    await expect(bob.locator(`[data-tile-member-id="${a}"]`).getByText('Reconnecting')).toBeVisible({ timeout: 9_000 });
    // The fault lasts 10 s: this wait is the scenario, not a stand-in for a condition.
    await alice.waitForTimeout(Math.max(0, 10_000 - (Date.now() - blockedAt)));
  } finally {
    await unblockUdp();
  }
  const restoredAt = Date.now();
  const [aliceFrames, bobFrames] = [await framesFrom(alice, b), await framesFrom(bob, a)];

  // Back without a reload: connected again, media flowing both ways, still the same pages.
  await expect.poll(async () => (await stats(alice))[b]?.connectionState, { timeout: 30_000, intervals: [100] }).toBe('connected');
  await expect.poll(async () => (await stats(bob))[a]?.connectionState, { timeout: 30_000, intervals: [100] }).toBe('connected');
  await expect.poll(() => framesFrom(alice, b), { timeout: 30_000, intervals: [100] }).toBeGreaterThan(aliceFrames + 5);
  await expect.poll(() => framesFrom(bob, a), { timeout: 30_000, intervals: [100] }).toBeGreaterThan(bobFrames + 5);
  const recoveryMs = Date.now() - restoredAt;
  await expect(aliceTile.getByText('Reconnecting')).toHaveCount(0);
  await expect(bob.getByRole('button', { name: 'Leave call' })).toBeVisible();
  console.log(`UDP blocked for 10 s, then restored: both links connected with video flowing again ${recoveryMs} ms later`);

  await alice.context().close();
  await bob.context().close();
});

test('video nobody can see is not sent: a hidden page pauses the others\' video to it, and gets it back', async ({ browser }) => {
  const { alice, bob, a, b } = await twoInACall(browser);

  const setHidden = (hidden: boolean) =>
    alice.evaluate((value) => {
      Object.defineProperty(document, 'visibilityState', { value: value ? 'hidden' : 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  const bobSendsToAlice = async () => (await stats(bob))[a]?.videoBytesSent ?? 0;

  // Alice switches to another tab: after a moment Bob's browser stops encoding video for her.
  await setHidden(true);
  let last = -1;
  await expect
    .poll(
      async () => {
        const now = await bobSendsToAlice();
        const stopped = now === last;
        last = now;
        return stopped;
      },
      { timeout: 15_000, intervals: [1_000] },
    )
    .toBe(true);
  // Alice still sends hers to Bob (only what nobody watches stops).
  const bobFrames = await framesFrom(bob, a);
  await expect.poll(() => framesFrom(bob, a)).toBeGreaterThan(bobFrames + 5);

  // Back on the tab: Bob's video comes again.
  await setHidden(false);
  const aliceFrames = await framesFrom(alice, b);
  await expect.poll(() => framesFrom(alice, b), { timeout: 15_000 }).toBeGreaterThan(aliceFrames + 5);
  await alice.context().close();
  await bob.context().close();
});
