/**
 * The call's figures, printed for the team: time to first remote frame for two people, JOINS
 * joins, direct and through coturn, from the joining page's own measure ("Join call" to the
 * first decoded frame, `call:report`'s `firstMediaMs`), with the pre-join preview already
 * running as it does for a person whose browser allows the camera.
 *
 * Measurements, not checks (a call connecting directly, relayed, and again after leaving is
 * call.spec's and call-network.spec's): `make test` leaves this file out, and it runs only
 * when asked for, `PARLOR_FIGURE_JOINS=10 scripts/e2e.sh e2e/call-figures.spec.ts`
 * (bench/README.md).
 */
import type { Page } from '@playwright/test';
import { firstMediaMs, personAllowingMedia, selfId, stats, summary } from './call-helpers';
import { createRoom, expect, joinRoom, test } from './fixtures';
import { launchParlor } from './launch';
import { startTurn } from './turn';

/** Joins per figure. */
const JOINS = Number(process.env.PARLOR_FIGURE_JOINS ?? 10);

/** Bob joins Alice's call JOINS times; returns his page's time to Alice's first frame, each time. */
async function repeatedJoins(alice: Page, bob: Page): Promise<number[]> {
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

test('two people, direct: time to first remote frame over repeated joins', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await personAllowingMedia(browser);
  const bob = await personAllowingMedia(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  const figures = await repeatedJoins(alice, bob);
  print('Direct', figures);
  // Every link really was direct.
  expect(figures).toHaveLength(JOINS);
  await alice.context().close();
  await bob.context().close();
});

test('two people, relayed: time to first remote frame over repeated joins', async ({ browser }) => {
  test.setTimeout(150_000);
  const turn = await startTurn();
  const server = await launchParlor(['--turn-url', turn.url, '--turn-secret', turn.secret, '--ice-transport-policy', 'relay']);
  try {
    const alice = await personAllowingMedia(browser, server.url);
    const bob = await personAllowingMedia(browser, server.url);
    const link = await createRoom(alice, 'Alice');
    await joinRoom(bob, link, 'Bob');
    const figures = await repeatedJoins(alice, bob);
    print('Relayed', figures);
    expect(turn.relayedBytes().reports).toBeGreaterThan(0);
    await alice.context().close();
    await bob.context().close();
  } finally {
    await server.stop();
    await turn.stop();
  }
});
