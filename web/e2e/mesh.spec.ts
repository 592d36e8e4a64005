/**
 * Six people in one mesh: every sender's bitrate is capped by the governor, what is really
 * sent stays under the cap, and each newcomer's links all connect (timed in the page).
 * Six browsers share this machine's two cores, so their cameras are small and their
 * microphones off (see useSmallCameraOnly).
 *
 * Its name keeps it after call-network.spec.ts: run right before it, the relay-only test
 * failed in 5 of 7 full runs (its pages showed "Reconnecting…" and nothing more reached
 * that test's server; cause not found). Issue 11's note has the details.
 */
import type { Page } from '@playwright/test';
import { firstMediaMs, personAllowingMedia, selfId, stats, summary, useSmallCameraOnly } from './call-helpers';
import { createRoom, expect, joinRoom, test } from './fixtures';

test('six people: the governor caps every sender, real bitrates stay under the caps, all links connect', async ({ browser }) => {
  test.setTimeout(180_000);
  const names = ['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Fay'];
  const pages: Page[] = [];
  for (const _ of names) {
    const page = await personAllowingMedia(browser);
    await useSmallCameraOnly(page);
    pages.push(page);
  }
  const link = await createRoom(pages[0]!, names[0]!);
  await pages[0]!.getByRole('button', { name: 'Start call' }).click();
  await expect(pages[0]!.getByRole('button', { name: 'Leave call' })).toBeVisible();
  const ids = [await selfId(pages[0]!)];
  // One after the other, each enters the room (the pre-join preview starts), joins the call,
  // and is connected to everyone before the next comes. Nobody waits in the lobby meanwhile:
  // six previews on two cores would measure the machine, not the call.
  let allConnectedMs = 0;
  let sixthMedia: number[] = [];
  for (let i = 1; i < names.length; i++) {
    const page = pages[i]!;
    await joinRoom(page, link, names[i]!);
    ids.push(await selfId(page));
    await expect(page.getByLabel('Your video preview')).toBeVisible();
    const others = ids.slice(0, i);
    // From the click to every link `connected`, timed in the page itself.
    await page.evaluate(() => {
      const w = window as unknown as { __clickedAt?: number };
      document.addEventListener('click', () => (w.__clickedAt ??= performance.now()), { capture: true, once: true });
    });
    await page.getByRole('button', { name: 'Join call' }).click();
    const handle = await page.waitForFunction(
      (count) => {
        const w = window as unknown as { __clickedAt: number };
        const states = Object.values(window.__parlor!.connections());
        return states.length === count && states.every((s) => s === 'connected') ? performance.now() - w.__clickedAt : false;
      },
      others.length,
      { polling: 20, timeout: 30_000 },
    );
    allConnectedMs = Math.round(Number(await handle.jsonValue()));
    const media = await Promise.all(others.map((id) => firstMediaMs(page, id, 30_000)));
    console.log(`${names[i]} joins a call of ${i}: all ${i} links connected ${allConnectedMs} ms after "Join call", first frames ${Math.min(...media)}-${Math.max(...media)} ms`);
    if (i === names.length - 1) sixthMedia = media;
  }

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
      const bitsPerSecond = ((y.videoBytesSent! - x.videoBytesSent!) * 8 * 1000) / (y.statsTimestamp! - x.statsTimestamp!);
      rates.push(Math.round(bitsPerSecond / 1000));
      expect(bitsPerSecond).toBeGreaterThan(0);
      expect(bitsPerSecond).toBeLessThan(y.maxVideoBitrate!);
    }
  }
  const { p50, worst } = summary(rates);
  console.log(
    `Six people: the sixth's five links all connected ${allConnectedMs} ms after "Join call"; ` +
      `first frames after ${Math.min(...sixthMedia)}-${Math.max(...sixthMedia)} ms. ` +
      `Video sent per link over 5 s (160 × 90 camera, no microphone): median ${p50} kbit/s, highest ${worst} kbit/s (cap 400 kbit/s)`,
  );
  for (const page of pages) await page.context().close();
});
