/**
 * Not a test: pictures of the main pages for a person to look at.
 * `PARLOR_SCREENSHOTS=dir npx playwright test screenshots` writes them into dir.
 */
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, memberNamed, person, test } from './fixtures';

const outDir = path.resolve(process.env.PARLOR_SCREENSHOTS ?? 'test-results/screenshots');

const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

for (const scheme of ['light', 'dark'] as const) {
  for (const [device, viewport] of Object.entries(viewports)) {
    test(`screenshots ${device} ${scheme}`, async ({ browser }) => {
      const context = await browser.newContext({
        baseURL: process.env.PARLOR_E2E_URL,
        viewport,
        colorScheme: scheme,
        deviceScaleFactor: 1,
      });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(outDir, `${device}-${scheme}-${name}.png`) });

      await page.goto('/');
      await expect(page.getByRole('button', { name: 'Create room' })).toBeVisible();
      await shot('landing');

      await page.getByLabel('Your name').fill('Alice Example');
      await page.getByRole('button', { name: 'Create room' }).click();
      await expect(memberNamed(page, 'Alice Example')).toBeVisible();

      const guest = await person(browser);
      await guest.goto(page.url());
      await guest.setViewportSize(viewport);
      await guest.getByLabel('Your name').fill('Bob');
      await expect(guest.getByRole('button', { name: 'Join room' })).toBeVisible();
      await guest.emulateMedia({ colorScheme: scheme });
      await guest.screenshot({ path: path.join(outDir, `${device}-${scheme}-join-card.png`) });
      await guest.getByRole('button', { name: 'Join room' }).click();
      await expect(memberNamed(page, 'Bob')).toBeVisible();
      await page.getByRole('button', { name: 'Copy link' }).click();
      await shot('room');

      await page.goto('/r/zzzz-zzzz-zzzz');
      const unknown = page.getByText('No room has code zzzz-zzzz-zzzz.');
      const join = page.getByRole('button', { name: 'Join room' });
      await expect(unknown.or(join)).toBeVisible();
      if (await join.isVisible()) await join.click(); // the name is remembered
      await expect(unknown).toBeVisible();
      await shot('unknown-room');
      await guest.context().close();
      await context.close();
    });
  }
}

for (const scheme of ['light', 'dark'] as const) {
  for (const [device, viewport] of Object.entries(viewports)) {
    test(`screenshots call ${device} ${scheme}`, async ({ browser }) => {
      test.setTimeout(120_000);
      const people = [];
      for (let i = 0; i < 3; i++) {
        const context = await browser.newContext({
          baseURL: process.env.PARLOR_E2E_URL,
          viewport,
          colorScheme: scheme,
          deviceScaleFactor: 1,
        });
        people.push(await context.newPage());
      }
      const [alice, bob, carol] = people as [Page, Page, Page];
      const shot = (page: Page, name: string) =>
        page.screenshot({ path: path.join(outDir, `${device}-${scheme}-${name}.png`), fullPage: device === 'phone' });

      await alice.goto('/');
      await alice.getByLabel('Your name').fill('Alice Example');
      await alice.getByRole('button', { name: 'Create room' }).click();
      await expect(memberNamed(alice, 'Alice Example')).toBeVisible();
      for (const [page, name] of [
        [bob, 'Bob'],
        [carol, 'Carol'],
      ] as const) {
        await page.goto(alice.url());
        await page.getByLabel('Your name').fill(name);
        await page.getByRole('button', { name: 'Join room' }).click();
        await expect(memberNamed(page, name)).toBeVisible();
      }

      await alice.getByRole('button', { name: 'Start call' }).click();
      await expect(bob.getByRole('button', { name: 'Join call' })).toBeVisible();
      await shot(bob, 'call-lobby');
      await bob.getByRole('button', { name: 'Join call' }).click();
      const frames = async (page: Page, count: number) =>
        expect
          .poll(async () => Object.values(await page.evaluate(() => window.__parlor!.stats())).filter((s) => s.framesDecoded > 0).length, {
            timeout: 20_000,
          })
          .toBe(count);
      await frames(alice, 1);
      await frames(bob, 1);
      await shot(alice, 'call-2');

      await carol.getByRole('button', { name: 'Join call' }).click();
      await frames(alice, 2);
      await bob.getByRole('button', { name: 'Mute microphone' }).click();
      await carol.getByRole('button', { name: 'Turn camera off' }).click();
      // What arrives tells Alice (stats every 2 s): Bob's mic is off, Carol's camera is off.
      await expect(alice.locator('[data-tile-member-id]').filter({ hasText: 'Bob' }).getByText('Microphone off')).toBeAttached({
        timeout: 10_000,
      });
      await expect(alice.locator('[data-tile-member-id]').filter({ hasText: 'Carol' }).locator('.tile-avatar')).toBeVisible({
        timeout: 10_000,
      });
      await shot(alice, 'call-3');
      await shot(carol, 'call-3-camera-off');
      await alice.getByRole('button', { name: 'Device settings' }).click();
      await expect(alice.getByRole('dialog', { name: 'Device settings' })).toBeVisible();
      await shot(alice, 'call-device-settings');
      for (const page of people) await page.context().close();
    });
  }
}

for (const scheme of ['light', 'dark'] as const) {
  for (const [device, viewport] of Object.entries(viewports)) {
    test(`screenshots files ${device} ${scheme}`, async ({ browser }) => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'parlor-shots-'));
      const file = (name: string, size: number) => {
        const where = path.join(scratch, name);
        writeFileSync(where, Buffer.alloc(size, 7));
        return where;
      };
      const open = async () => {
        const context = await browser.newContext({ baseURL: process.env.PARLOR_E2E_URL, viewport, colorScheme: scheme, deviceScaleFactor: 1 });
        return context.newPage();
      };
      const [alice, bob] = [await open(), await open()];
      await alice.goto('/');
      await alice.getByLabel('Your name').fill('Alice Example');
      await alice.getByRole('button', { name: 'Create room' }).click();
      await expect(memberNamed(alice, 'Alice Example')).toBeVisible();
      await bob.goto(alice.url());
      await bob.getByLabel('Your name').fill('Bob');
      await bob.getByRole('button', { name: 'Join room' }).click();
      await expect(memberNamed(bob, 'Bob')).toBeVisible();

      for (const page of [alice, bob]) await page.getByRole('tab', { name: 'Files' }).click();
      await bob.locator('input[type="file"]').setInputFiles([file('holiday-photo.jpg', 2_400_000), file('minutes.txt', 3_100)]);
      await expect(bob.getByRole('list', { name: 'Shared files' }).getByRole('listitem')).toHaveCount(2, { timeout: 20_000 });
      await alice
        .locator('input[type="file"]')
        .setInputFiles([file('Quarterly report 2026 (final, reviewed).pdf', 1_250_000), file('site-backup.zip', 9_500_000)]);
      await expect(alice.getByRole('list', { name: 'Shared files' }).getByRole('listitem')).toHaveCount(4, { timeout: 20_000 });

      // Uploads that stop: one too large for the server, one whose link expired; and one
      // that hangs on (its bytes sent, the store not answering yet).
      await alice.route('**/files/prepare', (route) =>
        route.request().postDataJSON().filename === 'interview.mov'
          ? route.fulfill({
              status: 413,
              json: { error: { code: 'payload_too_large', message: 'Files can be at most 100 MiB' } },
            })
          : route.fallback(),
      );
      let puts = 0;
      await alice.route('**/blobs/**', (route) => {
        if (route.request().method() !== 'PUT') return route.fallback();
        puts += 1;
        // notes.md gets its link first (draft-agenda.docx waits for a free upload slot).
        if (puts === 1) return route.fulfill({ status: 403, body: 'expired' });
        return undefined; // held until the page closes
      });
      await alice
        .locator('input[type="file"]')
        .setInputFiles([file('interview.mov', 4_000), file('notes.md', 2_000), file('draft-agenda.docx', 30_000)]);
      await expect(alice.getByText('The upload link expired.')).toBeVisible();
      await expect(alice.getByRole('progressbar', { name: 'Uploading draft-agenda.docx' })).toBeVisible();
      await expect(alice.getByText('interview.mov is too large')).toBeVisible();
      await alice.getByRole('tab', { name: 'Files' }).focus();
      await alice.screenshot({ path: path.join(outDir, `${device}-${scheme}-files.png`), fullPage: device === 'phone' });
      await bob.screenshot({ path: path.join(outDir, `${device}-${scheme}-files-others.png`), fullPage: device === 'phone' });
      for (const page of [alice, bob]) await page.context().close();
      rmSync(scratch, { recursive: true, force: true });
    });
  }
}

/**
 * For the README (docs/screenshots/): the room with a short chat, People with raised hands,
 * a tile with a raised hand in a call, and the locked-room page, at each size (light).
 * `PARLOR_SCREENSHOTS=../docs/screenshots npx playwright test screenshots -g readme`.
 */
for (const [device, viewport] of Object.entries(viewports)) {
  test(`screenshots readme ${device}`, async ({ browser }) => {
    test.setTimeout(120_000);
    const open = async () => {
      const context = await browser.newContext({ baseURL: process.env.PARLOR_E2E_URL, viewport, colorScheme: 'light', deviceScaleFactor: 1 });
      return context.newPage();
    };
    const shot = async (page: Page, name: string) => {
      await page.mouse.move(0, 0); // no hover left on the button last clicked
      await page.screenshot({ path: path.join(outDir, `${name}-${device}.png`), fullPage: device === 'phone' });
    };
    const [alice, bob, carol] = [await open(), await open(), await open()];
    await alice.goto('/');
    await alice.getByLabel('Your name').fill('Alice Example');
    await alice.getByRole('button', { name: 'Create room' }).click();
    await expect(memberNamed(alice, 'Alice Example')).toBeVisible();
    const link = alice.url();
    for (const [page, name] of [
      [bob, 'Bob'],
      [carol, 'Carol Jones'],
    ] as const) {
      await page.goto(link);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join room' }).click();
      await expect(memberNamed(page, name)).toBeVisible();
    }

    const messages = (page: Page) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
    let sent = 0;
    const say = async (page: Page, text: string) => {
      await page.getByRole('tab', { name: /^Chat/ }).click();
      await page.getByRole('textbox', { name: 'Message' }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
      sent += 1;
      await expect(messages(page)).toHaveCount(sent);
    };
    await say(alice, 'Morning! The slides for today are at https://example.org/q3-review');
    await say(bob, 'Thanks. I put my notes in Files.');
    await say(carol, 'Can you hear me? My microphone was acting up earlier.');
    await say(alice, 'Yes, loud and clear.\nLet us start in five minutes.');
    await alice.getByRole('tab', { name: /^Chat/ }).click();
    await expect(messages(alice)).toHaveCount(sent);
    await alice.getByRole('textbox', { name: 'Message' }).fill('Great, see you in the call');
    await shot(alice, 'room-chat');

    // Hands: Carol first, then Bob; People orders them by when they went up.
    await alice.getByRole('textbox', { name: 'Message' }).fill('');
    await alice.getByRole('tab', { name: /^People/ }).click();
    await carol.getByRole('button', { name: 'Raise hand' }).click();
    await expect(memberNamed(alice, 'Carol Jones').getByText('Hand raised')).toBeVisible();
    await bob.getByRole('button', { name: 'Raise hand' }).click();
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toBeVisible();
    await shot(alice, 'people-raised-hand');

    // Locked: a stranger with the link.
    await alice.getByRole('button', { name: 'Lock room' }).click();
    await expect(alice.getByRole('button', { name: 'Unlock room' })).toBeVisible();
    const stranger = await open();
    await stranger.goto(link);
    await stranger.getByLabel('Your name').fill('Dana');
    await stranger.getByRole('button', { name: 'Join room' }).click();
    await expect(stranger.getByRole('heading', { name: 'This room is locked' })).toBeVisible();
    await shot(stranger, 'room-locked');

    // A call with Bob's hand up on his tile.
    await bob.getByRole('button', { name: 'Lower hand' }).click();
    await carol.getByRole('button', { name: 'Lower hand' }).click();
    await alice.getByRole('button', { name: 'Start call' }).click();
    await bob.getByRole('button', { name: 'Join call' }).click();
    await expect
      .poll(async () => Object.values(await alice.evaluate(() => window.__parlor!.stats())).filter((s) => s.framesDecoded > 0).length, {
        timeout: 20_000,
      })
      .toBe(1);
    await bob.getByRole('group', { name: 'Call controls' }).getByRole('button', { name: 'Raise hand' }).click();
    const bobsTile = alice.locator('[data-tile-member-id]').filter({ hasText: 'Bob' });
    await expect(bobsTile.locator('.tile-hand')).toBeVisible();
    await shot(alice, 'call-raised-hand');
    for (const page of [alice, bob, carol, stranger]) await page.context().close();
  });
}
