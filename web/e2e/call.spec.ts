/**
 * Calls with real WebRTC: three people, three browser contexts, Chromium's fake camera and
 * microphone, media over loopback (scripts/e2e.sh runs this in a loopback-only namespace).
 * "Media flows" means the receiving side's getStats() reports decoded video frames from that
 * peer, read through the page's `window.__parlor.stats()`.
 */
import { callVideos, firstFrame, framesFrom, inCallMarker, lobby, selfId, stats, twoInACall } from './call-helpers';
import { createRoom, expect, joinRoom, memberNamed, person, test } from './fixtures';
import { launchParlor } from './launch';

test('three people: start, join, see each other, leave, end', async ({ browser }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  const carol = await person(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  await joinRoom(carol, link, 'Carol');
  for (const page of [alice, bob, carol]) {
    for (const name of ['Alice', 'Bob', 'Carol']) await expect(memberNamed(page, name)).toBeVisible();
  }
  const [a, b, c] = [await selfId(alice), await selfId(bob), await selfId(carol)];
  const figures: { pair: string; ms: number }[] = [];

  // Alice starts a call: she is in it, the others see it running and can join.
  await alice.getByRole('button', { name: 'Start call' }).click();
  await expect(alice.getByRole('button', { name: 'Leave call' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'End call for everyone' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Mute microphone' })).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Turn camera off' })).toBeVisible();
  await expect(alice.locator(`video[data-member-id="${a}"]`)).toHaveCount(1);
  for (const page of [bob, carol]) {
    await expect(page.getByRole('button', { name: 'Join call' })).toBeVisible();
    await expect(lobby(page).getByText('Alice')).toBeVisible();
    await expect(inCallMarker(page, 'Alice')).toBeVisible();
  }

  // Bob joins; Alice and Bob each decode the other's video.
  let sent = Date.now();
  await bob.getByRole('button', { name: 'Join call' }).click();
  const [ab, ba] = await Promise.all([firstFrame(alice, b, sent), firstFrame(bob, a, sent)]);
  figures.push({ pair: 'Alice ← Bob (Bob joins)', ms: ab }, { pair: 'Bob ← Alice (Bob joins)', ms: ba });
  for (const page of [alice, bob]) {
    await expect(page.locator(`video[data-member-id="${a}"]`)).toHaveCount(1);
    await expect(page.locator(`video[data-member-id="${b}"]`)).toHaveCount(1);
  }
  // Bob did not start the call and did not create the room.
  await expect(bob.getByRole('button', { name: 'End call for everyone' })).toHaveCount(0);

  // Carol, still outside, sees who is in it.
  await expect(lobby(carol).getByText('Alice')).toBeVisible();
  await expect(lobby(carol).getByText('Bob')).toBeVisible();
  await expect(carol.getByRole('heading', { name: 'Alice and Bob are in the call' })).toBeVisible();
  await expect(inCallMarker(carol, 'Bob')).toBeVisible();
  await expect(inCallMarker(carol, 'Carol')).toHaveCount(0);
  await expect(callVideos(carol)).toHaveCount(0);

  // Carol joins: all three pairs decode video, both ways.
  sent = Date.now();
  await carol.getByRole('button', { name: 'Join call' }).click();
  const [ac, ca, bc, cb] = await Promise.all([
    firstFrame(alice, c, sent),
    firstFrame(carol, a, sent),
    firstFrame(bob, c, sent),
    firstFrame(carol, b, sent),
  ]);
  figures.push(
    { pair: 'Alice ← Carol (Carol joins)', ms: ac },
    { pair: 'Carol ← Alice (Carol joins)', ms: ca },
    { pair: 'Bob ← Carol (Carol joins)', ms: bc },
    { pair: 'Carol ← Bob (Carol joins)', ms: cb },
  );
  for (const page of [alice, bob, carol]) {
    for (const id of [a, b, c]) await expect(page.locator(`video[data-member-id="${id}"]`)).toHaveCount(1);
    await expect(inCallMarker(page, 'Carol')).toBeVisible();
  }
  for (const [page, others] of [
    [alice, [b, c]],
    [bob, [a, c]],
    [carol, [a, b]],
  ] as const) {
    await expect.poll(async () => Object.keys(await stats(page)).sort()).toEqual([...others].sort());
  }

  // Bob leaves the call (not the room): Alice and Carol see it and close their connection to him.
  await bob.getByRole('button', { name: 'Leave call' }).click();
  await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
  await expect.poll(() => stats(bob)).toEqual({});
  for (const page of [alice, carol]) {
    await expect(page.locator(`video[data-member-id="${b}"]`)).toHaveCount(0);
    await expect(inCallMarker(page, 'Bob')).toHaveCount(0);
    await expect(memberNamed(page, 'Bob')).toBeVisible();
    await expect.poll(async () => Object.keys(await stats(page))).not.toContain(b);
  }
  // Alice and Carol still see each other.
  const before = await framesFrom(carol, a);
  await expect.poll(() => framesFrom(carol, a)).toBeGreaterThan(before);

  // Alice ends it for everyone.
  await alice.getByRole('button', { name: 'End call for everyone' }).click();
  for (const page of [alice, bob, carol]) {
    await expect(page.getByRole('button', { name: 'Start call' })).toBeVisible();
    await expect(callVideos(page)).toHaveCount(0);
    await expect(page.getByText('in call', { exact: true })).toHaveCount(0);
  }
  await expect.poll(() => stats(alice)).toEqual({});
  await expect.poll(() => stats(carol)).toEqual({});

  const width = Math.max(...figures.map((f) => f.pair.length));
  console.log(
    ['From clicking "Join call" (which sends call:join) to the first decoded remote video frame:']
      .concat(figures.map((f) => `  ${f.pair.padEnd(width)}  ${String(f.ms).padStart(5)} ms`))
      .join('\n'),
  );

  for (const page of [alice, bob, carol]) await page.context().close();
});

test('a dropped socket reconnects, resyncs and keeps the call', async ({ browser }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  const [a, b] = [await selfId(alice), await selfId(bob)];

  await alice.getByRole('button', { name: 'Start call' }).click();
  await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
  await bob.getByRole('button', { name: 'Join call' }).click();
  const since = Date.now();
  await Promise.all([firstFrame(alice, b, since), firstFrame(bob, a, since)]);

  // Bob's realtime socket drops (and stays down 2 s); his peer connection with Alice does not.
  await bob.evaluate(() => window.__parlor!.socket.drop({ offlineMs: 2_000 }));
  await expect(bob.getByText('Reconnecting…')).toBeVisible();
  const aliceBefore = await framesFrom(alice, b);
  const bobBefore = await framesFrom(bob, a);
  await expect(bob.getByText('Reconnecting…')).toHaveCount(0, { timeout: 15_000 });

  // Back: resynced, still in the call on both sides, nobody asked to join again.
  await expect(bob.getByRole('button', { name: 'Leave call' })).toBeVisible();
  await expect(bob.getByRole('button', { name: 'Join call' })).toHaveCount(0);
  await expect(alice.locator(`video[data-member-id="${b}"]`)).toHaveCount(1);
  await expect(inCallMarker(alice, 'Bob')).toBeVisible();
  await expect(memberNamed(alice, 'Bob').getByText('online', { exact: true })).toBeVisible();

  // Media goes on through the ICE restart, both ways.
  await expect.poll(() => framesFrom(alice, b), { timeout: 20_000 }).toBeGreaterThan(aliceBefore + 10);
  await expect.poll(() => framesFrom(bob, a), { timeout: 20_000 }).toBeGreaterThan(bobBefore + 10);
  await expect.poll(async () => (await stats(bob))[a]?.connectionState).toBe('connected');
  await expect.poll(async () => (await stats(alice))[b]?.connectionState).toBe('connected');

  // A reload is a fresh page outside the call: no ghost left in it, and joining again works.
  await bob.reload();
  await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
  await expect(alice.locator(`video[data-member-id="${b}"]`)).toHaveCount(0);
  await expect(inCallMarker(alice, 'Bob')).toHaveCount(0);
  await expect.poll(async () => Object.keys(await stats(alice))).toEqual([]);
  const again = Date.now();
  await bob.getByRole('button', { name: 'Join call' }).click();
  await Promise.all([firstFrame(alice, b, again), firstFrame(bob, a, again)]);

  await alice.context().close();
  await bob.context().close();
});

test('dropped for longer than the grace period: back in the call with new connections', async ({ browser }) => {
  // A server that keeps a dropped caller's place for 1 s only.
  const server = await launchParlor(['--call-grace', '1']);
  try {
    const { alice, bob, a, b } = await twoInACall(browser, server.url);

    await bob.evaluate(() => window.__parlor!.socket.drop({ offlineMs: 4_000 }));
    // The server drops him from the call; Alice closes her side.
    await expect(inCallMarker(alice, 'Bob')).toHaveCount(0, { timeout: 10_000 });
    await expect.poll(async () => Object.keys(await stats(alice))).toEqual([]);

    // Bob comes back, joins the call again by himself, and media flows on new connections.
    await expect(bob.getByText('Reconnecting…')).toHaveCount(0, { timeout: 20_000 });
    await expect(inCallMarker(alice, 'Bob')).toBeVisible();
    await expect(bob.getByRole('button', { name: 'Leave call' })).toBeVisible();
    await expect.poll(() => framesFrom(alice, b), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await stats(bob))[a]?.connectionState, { timeout: 20_000 }).toBe('connected');
    const bobFrames = await framesFrom(bob, a);
    await expect.poll(() => framesFrom(bob, a), { timeout: 20_000 }).toBeGreaterThan(bobFrames + 10);
    await alice.context().close();
    await bob.context().close();
  } finally {
    await server.stop();
  }
});

test('a full call says so in words', async ({ browser }) => {
  // A server whose calls hold two people, so the third is one too many.
  const server = await launchParlor(['--call-capacity', '2']);
  try {
    const [alice, bob, carol] = [
      await person(browser, server.url),
      await person(browser, server.url),
      await person(browser, server.url),
    ];
    const link = await createRoom(alice, 'Alice');
    await joinRoom(bob, link, 'Bob');
    await joinRoom(carol, link, 'Carol');
    await alice.getByRole('button', { name: 'Start call' }).click();
    await bob.getByRole('button', { name: 'Join call' }).click();
    await expect(bob.getByRole('button', { name: 'Leave call' })).toBeVisible();

    await expect(lobby(carol).getByText('Bob')).toBeVisible();
    await carol.getByRole('button', { name: 'Join call' }).click();
    await expect(carol.getByRole('alert').filter({ hasText: 'This call is full.' })).toBeVisible();
    await expect(carol.getByText('You can join as soon as someone leaves.', { exact: false })).toBeVisible();
    await expect(carol.getByRole('button', { name: 'Join call' })).toBeEnabled();
    await expect(callVideos(carol)).toHaveCount(0);

    // Room for her once Bob leaves.
    await bob.getByRole('button', { name: 'Leave call' }).click();
    await expect(lobby(carol).getByText('Bob')).toHaveCount(0);
    await carol.getByRole('button', { name: 'Join call' }).click();
    await expect(carol.getByRole('button', { name: 'Leave call' })).toBeVisible();
    await expect(carol.getByText('This call is full.')).toHaveCount(0);
    for (const page of [alice, bob, carol]) await page.context().close();
  } finally {
    await server.stop();
  }
});

test('microphone, camera and screen: the toolbar switches them and the other side sees it', async ({ browser }) => {
  test.setTimeout(90_000); // the far side learns of a mute from stats taken every 2 s
  const { alice, bob, b } = await twoInACall(browser);
  const bobTile = alice.locator(`[data-tile-member-id="${b}"]`);
  await expect(bobTile.getByText('Microphone off')).toHaveCount(0);

  // Muted: the names flip, and Alice's tile for Bob shows the muted microphone (what arrives tells).
  await bob.getByRole('button', { name: 'Mute microphone' }).click();
  await expect(bob.getByRole('button', { name: 'Unmute microphone' })).toBeVisible();
  await expect(bob.locator(`[data-tile-member-id="${b}"]`).getByText('Microphone off')).toBeAttached();
  await expect(bobTile.getByText('Microphone off')).toBeAttached({ timeout: 10_000 });
  await bob.getByRole('button', { name: 'Unmute microphone' }).click();
  await expect(bobTile.getByText('Microphone off')).toHaveCount(0, { timeout: 10_000 });

  // Camera off: Alice sees Bob's initials instead of a frozen picture; on again, frames flow.
  await bob.getByRole('button', { name: 'Turn camera off' }).click();
  await expect(bob.getByRole('button', { name: 'Turn camera on' })).toBeVisible();
  await expect(bobTile.locator('.tile-avatar')).toBeVisible({ timeout: 10_000 });
  await bob.getByRole('button', { name: 'Turn camera on' }).click();
  await expect(bobTile.locator('.tile-avatar')).toHaveCount(0, { timeout: 10_000 });
  let frames = await framesFrom(alice, b);
  await expect.poll(() => framesFrom(alice, b)).toBeGreaterThan(frames + 10);

  // Screen sharing replaces the camera's track (no renegotiation); Alice keeps decoding.
  await bob.getByRole('button', { name: 'Share screen' }).click();
  await expect(bob.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
  frames = await framesFrom(alice, b);
  await expect.poll(() => framesFrom(alice, b)).toBeGreaterThan(frames + 10);
  await bob.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(bob.getByRole('button', { name: 'Share screen' })).toBeVisible();
  frames = await framesFrom(alice, b);
  await expect.poll(() => framesFrom(alice, b)).toBeGreaterThan(frames + 10);

  // Device settings lists the (fake) camera and microphone.
  await bob.getByRole('button', { name: 'Device settings' }).click();
  const dialog = bob.getByRole('dialog', { name: 'Device settings' });
  await expect(dialog.getByLabel('Camera')).toBeEnabled();
  await expect(dialog.getByLabel('Microphone')).toBeEnabled();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  await alice.context().close();
  await bob.context().close();
});
