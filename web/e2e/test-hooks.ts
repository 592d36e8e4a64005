/**
 * The failure test hook (src/lib/failures.ts): `window.__parlor.failComponent(part)` makes
 * that part's error boundary throw. It exists only in builds made with
 * `npm run build:e2e` (and in `npm run dev`); a plain production build
 * does not have it, so a spec that needs it says how to get it rather than time out.
 */
import type { Page } from '@playwright/test';
import type { FailurePart } from '../src/lib/failures';

export async function failComponent(page: Page, part: FailurePart): Promise<void> {
  const present = await page.evaluate(() => typeof window.__parlor?.failComponent === 'function');
  if (!present) {
    throw new Error('window.__parlor.failComponent is missing: build the client with `npm run build:e2e` for e2e');
  }
  await page.evaluate((name) => window.__parlor!.failComponent!(name), part);
}
