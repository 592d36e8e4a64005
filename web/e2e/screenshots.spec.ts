/**
 * Not a test: pictures of the main pages for a person to look at.
 * `PARLOR_SCREENSHOTS=dir npx playwright test screenshots` writes them into dir.
 */
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
