/**
 * What the call specs share: who is who on a page, what the page's own `window.__parlor`
 * debug hook says about its peers (src/call/debug.ts), and waiting for media to flow.
 */
import type { Browser, Page } from '@playwright/test';
import { createRoom, expect, joinRoom, memberNamed, person } from './fixtures';
import { serverUrl } from './server';

export async function selfId(page: Page): Promise<string> {
  const id = await page.locator('li[data-self="true"]').getAttribute('data-member-id');
  expect(id).toBeTruthy();
  return id!;
}

export async function stats(page: Page) {
  return page.evaluate(() => window.__parlor!.stats());
}

export async function framesFrom(page: Page, memberId: string): Promise<number> {
  return (await stats(page))[memberId]?.framesDecoded ?? 0;
}

/** Polls until `page` decodes video from `memberId`; returns ms since `since`. */
export async function firstFrame(page: Page, memberId: string, since: number, timeout = 20_000): Promise<number> {
  await expect.poll(() => framesFrom(page, memberId), { timeout, intervals: [100] }).toBeGreaterThan(0);
  return Date.now() - since;
}

/** The page's own measure, from "Join call" (or the peer's joining) to the peer's first frame. */
export async function firstMediaMs(page: Page, memberId: string, timeout = 20_000): Promise<number> {
  let value: number | null = null;
  await expect
    .poll(
      async () => {
        value = (await stats(page))[memberId]?.firstMediaMs ?? null;
        return value;
      },
      { timeout, intervals: [100] },
    )
    .not.toBeNull();
  return value!;
}

/**
 * Alice creates a room, Bob joins it, Alice starts a call and Bob joins it; returns once each
 * decodes the other's video. `baseURL`: another server than the suite's.
 */
export async function twoInACall(browser: Browser, baseURL = serverUrl()) {
  const alice = await person(browser, baseURL);
  const bob = await person(browser, baseURL);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  const [a, b] = [await selfId(alice), await selfId(bob)];
  await alice.getByRole('button', { name: 'Start call' }).click();
  await bob.getByRole('button', { name: 'Join call' }).click();
  const since = Date.now();
  await Promise.all([firstFrame(alice, b, since), firstFrame(bob, a, since)]);
  return { alice, bob, a, b };
}

export function inCallMarker(page: Page, name: string) {
  return memberNamed(page, name).getByText('in call');
}

export function lobby(page: Page) {
  return page.getByRole('list', { name: 'In the call' });
}

/** The video of someone in the call (not the pre-join preview). */
export function callVideos(page: Page) {
  return page.locator('video[data-member-id]');
}

/** A person whose browser already lets the site use camera and microphone (the preview starts by itself). */
export async function personAllowingMedia(browser: Browser, baseURL = serverUrl()): Promise<Page> {
  const context = await browser.newContext({ baseURL, permissions: ['camera', 'microphone'] });
  return context.newPage();
}

/** p50 and worst of some figures, for printing. */
export function summary(values: number[]): { p50: number; worst: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)]!, worst: sorted[sorted.length - 1]! };
}

/**
 * Makes the page's camera small (160 × 90 at 10 fps) and leaves the microphone out, by
 * rewriting its getUserMedia constraints, so that six browsers fit on two cores. Each person
 * in a six-way mesh runs five Opus encoders and five decoders besides echo cancellation: on
 * one machine that is thirty of each, and it saturates both cores (the sixth person's links
 * then take ~5.7 s instead of ~1.2 s), which would measure the machine rather than the call.
 * The app's own constraints and the bitrate governor are otherwise untouched.
 */
export async function useSmallCameraOnly(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
      if (constraints?.video) {
        const video = typeof constraints.video === 'object' ? constraints.video : {};
        constraints = { audio: false, video: { ...video, width: { ideal: 160 }, height: { ideal: 90 }, frameRate: { max: 10 } } };
      }
      return original(constraints);
    };
  });
}
