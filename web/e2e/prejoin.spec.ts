/**
 * The pre-join panel when the browser refuses the camera: it says so in words, with how to
 * allow it, and the person still joins with what works (here the microphone only).
 */
import { personAllowingMedia, selfId } from './call-helpers';
import { createRoom, expect, joinRoom, person, test } from './fixtures';

test('camera blocked: the panel says how to allow it, and joining works with the microphone only', async ({ browser }) => {
  const alice = await person(browser);
  const bob = await personAllowingMedia(browser);
  // Bob's browser refuses any camera, as after "Block" in its permission prompt.
  await bob.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints?: MediaStreamConstraints) =>
      constraints?.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : original(constraints);
  });
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  const b = await selfId(bob);
  await alice.getByRole('button', { name: 'Start call' }).click();

  const problem = bob.getByRole('alert').filter({ hasText: 'Your camera is blocked for this site.' });
  await expect(problem).toBeVisible();
  await expect(problem).toContainText('click the camera or lock icon at the left of the address bar');
  await expect(problem).toContainText('You can still join with your microphone only');
  await expect(bob.getByRole('meter', { name: 'Microphone level' })).toBeVisible();

  await bob.getByRole('button', { name: 'Join call' }).click();
  await expect(bob.getByRole('button', { name: 'Turn camera on' })).toBeVisible();
  await expect(bob.getByRole('button', { name: 'Mute microphone' })).toBeVisible();
  // Alice sees Bob's initials (no picture) and hears him (no muted-microphone mark).
  const bobTile = alice.locator(`[data-tile-member-id="${b}"]`);
  await expect(bobTile.getByText(/Good · Direct/)).toBeVisible({ timeout: 15_000 });
  await expect(bobTile.locator('.tile-avatar')).toBeVisible();
  await expect(bobTile.getByText('Microphone off')).toHaveCount(0);
  await alice.context().close();
  await bob.context().close();
});
