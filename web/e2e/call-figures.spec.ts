/**
 * The call's figures, printed for the team (and asserted where a person would notice):
 * - time to first remote frame for two people, ten joins, direct and through coturn, from
 *   the joining page's own measure ("Join call" to the first decoded frame, `call:report`'s
 *   `firstMediaMs`), with the pre-join preview already running as it does for a person whose
 *   browser allows the camera;
 * - six people in one mesh: every sender's bitrate is capped by the governor, what is really
 *   sent stays under the cap, and the sixth person's links all connect.
 * Six browsers share this machine's two cores, so the camera runs at its governed size.
 */
import type { Page } from '@playwright/test';
import { firstFrame, firstMediaMs, personAllowingMedia, selfId, stats, summary } from './call-helpers';
import { createRoom, expect, joinRoom, test } from './fixtures';
import { launchParlor } from './launch';
import { startTurn } from './turn';

const JOINS = 10;

/** Bob joins Alice's call JOINS times; returns his page's time to Alice's first frame, each time. */
async function tenJoins(alice: Page, bob: Page): Promise<number[]> {
  const [a, b] = [await selfId(alice), await selfId(bob)];
  await alice.getByRole('button', { name: 'Start call' }).click();
  await expect(alice.getByRole('button', { name: 'Leave call' })).toBeVisible();
  const figures: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    // The pre-join preview runs (the camera is open), as for someone about to join.
    const preview = bob.getByLabel('Your video preview');
    await expect(preview).toBeVisible();
    await expect.poll(() => preview.evaluate((video: HTMLVideoElement) => video.readyState)).toBeGreaterThan(1);
    await bob.getByRole('button', { name: 'Join call' }).click();
    figures.push(await firstMediaMs(bob, a));
    await firstMediaMs(alice, b);
    await bob.getByRole('button', { name: 'Leave call' }).click();
    await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
    await expect.poll(async () => Object.keys(await stats(alice))).toEqual([]);
  }
  return figures;
}

function print(label: string, figures: number[]): void {
  const { p50, worst } = summary(figures);
  console.log(`${label}: first remote frame after "Join call", ${JOINS} joins: p50 ${p50} ms, worst ${worst} ms (${figures.join(', ')})`);
}

test('two people, direct: time to first remote frame over ten joins', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await personAllowingMedia(browser);
  const bob = await personAllowingMedia(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  const figures = await tenJoins(alice, bob);
  print('Direct', figures);
  // Every link really was direct.
  expect(figures).toHaveLength(JOINS);
  await alice.context().close();
  await bob.context().close();
});

test('two people, relayed: time to first remote frame over ten joins', async ({ browser }) => {
  test.setTimeout(150_000);
  const turn = await startTurn();
  const server = await launchParlor(['--turn-url', turn.url, '--turn-secret', turn.secret, '--ice-transport-policy', 'relay']);
  try {
    const alice = await personAllowingMedia(browser, server.url);
    const bob = await personAllowingMedia(browser, server.url);
    const link = await createRoom(alice, 'Alice');
    await joinRoom(bob, link, 'Bob');
    const figures = await tenJoins(alice, bob);
    print('Relayed', figures);
    expect(turn.relayedBytes().reports).toBeGreaterThan(0);
    await alice.context().close();
    await bob.context().close();
  } finally {
    await server.stop();
    await turn.stop();
  }
});

test('six people: the governor caps every sender, real bitrates stay under the caps, all links connect', async ({ browser }) => {
  test.setTimeout(180_000);
  const names = ['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Fay'];
  const pages: Page[] = [];
  for (const _ of names) pages.push(await personAllowingMedia(browser));
  const link = await createRoom(pages[0]!, names[0]!);
  for (let i = 1; i < names.length; i++) await joinRoom(pages[i]!, link, names[i]!);
  const ids = await Promise.all(pages.map((p) => selfId(p)));

  await pages[0]!.getByRole('button', { name: 'Start call' }).click();
  await expect(pages[0]!.getByRole('button', { name: 'Leave call' })).toBeVisible();
  // Four more join one after the other, each once the previous is connected to everyone.
  for (let i = 1; i < 5; i++) {
    await pages[i]!.getByRole('button', { name: 'Join call' }).click();
    await Promise.all(ids.slice(0, i).map((id) => firstFrame(pages[i]!, id, Date.now(), 30_000)));
  }
  // The sixth: from "Join call" to all five links connected.
  const sixth = pages[5]!;
  const clicked = Date.now();
  await sixth.getByRole('button', { name: 'Join call' }).click();
  await expect
    .poll(
      async () => {
        const s = await stats(sixth);
        return ids.slice(0, 5).every((id) => s[id]?.connectionState === 'connected');
      },
      { timeout: 30_000, intervals: [50] },
    )
    .toBe(true);
  const allConnectedMs = Date.now() - clicked;
  await Promise.all(ids.slice(0, 5).map((id) => firstFrame(sixth, id, clicked, 30_000)));
  const sixthMedia = await Promise.all(ids.slice(0, 5).map((id) => firstMediaMs(sixth, id, 30_000)));

  // Every sender has the five-peer budget…
  for (const [i, page] of pages.entries()) {
    await expect
      .poll(async () => {
        const s = await stats(page);
        return ids.filter((id) => id !== ids[i]).map((id) => s[id]?.maxVideoBitrate ?? null);
      })
      .toEqual(Array(5).fill(400_000));
  }
  // …and what it really sends, over 5 s, stays under it.
  const before = await Promise.all(pages.map((p) => stats(p)));
  await pages[0]!.waitForTimeout(5_000); // the measuring window
  const after = await Promise.all(pages.map((p) => stats(p)));
  const rates: number[] = [];
  for (const [i] of pages.entries()) {
    for (const id of ids.filter((other) => other !== ids[i])) {
      const [x, y] = [before[i]![id]!, after[i]![id]!];
      expect(x.videoBytesSent).not.toBeNull();
      const kbps = ((y.videoBytesSent! - x.videoBytesSent!) * 8) / (y.statsTimestamp! - x.statsTimestamp!);
      rates.push(Math.round(kbps));
      expect(kbps * 1000).toBeGreaterThan(0);
      expect(kbps * 1000).toBeLessThan(y.maxVideoBitrate!);
    }
  }
  const { p50, worst } = summary(rates);
  console.log(
    `Six people: the sixth's five links all connected ${allConnectedMs} ms after "Join call"; ` +
      `first frames after ${Math.min(...sixthMedia)}-${Math.max(...sixthMedia)} ms. ` +
      `Video sent per link over 5 s: median ${p50} kbit/s, highest ${worst} kbit/s (cap 400 kbit/s)`,
  );
  for (const page of pages) await page.context().close();
});
