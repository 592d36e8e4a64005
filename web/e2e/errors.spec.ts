import { expect, person, test } from './fixtures';

test('an unknown room says so in words, with a way home', async ({ page }) => {
  await page.goto('/r/zzzz-zzzz-zzzz');
  const message = page.getByText('No room has code zzzz-zzzz-zzzz.');
  const joinButton = page.getByRole('button', { name: 'Join room' });
  await expect(message.or(joinButton)).toBeVisible();
  if (await joinButton.isVisible()) {
    // A server that does not tell an unknown room from a missing token before a join.
    await page.getByLabel('Your name').fill('Erin');
    await joinButton.click();
  }
  await expect(message).toBeVisible();
  await page.getByRole('link', { name: 'Go to the start page' }).click();
  await expect(page.getByRole('button', { name: 'Create room' })).toBeVisible();
});

test('a name of 65 characters is refused as too long', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('x'.repeat(65));
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page.getByText('That name is too long', { exact: false })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByLabel('Your name')).toHaveAttribute('aria-invalid', 'true');
});

test('an empty name is refused on the join card too', async ({ page, browser }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('Frank');
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/r\//);
  const link = page.url();

  const visitor = await person(browser);
  await visitor.goto(link);
  await visitor.getByLabel('Your name').fill('   ');
  await visitor.getByRole('button', { name: 'Join room' }).click();
  await expect(visitor.getByText('Enter your name', { exact: false })).toBeVisible();
  await visitor.getByLabel('Your name').fill('y'.repeat(65));
  await visitor.getByRole('button', { name: 'Join room' }).click();
  await expect(visitor.getByText('That name is too long', { exact: false })).toBeVisible();
  await visitor.context().close();
});

test('a path that is not a room code is explained without asking the server', async ({ page }) => {
  await page.goto('/r/hello');
  await expect(page.getByText('“hello” is not a room code.', { exact: false })).toBeVisible();
});

test('an unreachable server and rate limits are explained in words', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('Gina');

  await page.route('**/api/rooms', (route) => route.abort('connectionrefused'));
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page.getByText("Can't reach the Parlor server.", { exact: false })).toBeVisible();
  await page.unroute('**/api/rooms');

  await page.route('**/api/rooms', (route) =>
    route.fulfill({
      status: 429,
      headers: { 'Retry-After': '42', 'Content-Type': 'application/json' },
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many new rooms' } }),
    }),
  );
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page.getByText('Too many attempts — try again in 42 seconds.')).toBeVisible();
  await page.unroute('**/api/rooms');

  // With the server back, the same button works.
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/r\//);
});

test('the room says when it is reconnecting, and recovers', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('Hugo');
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page.getByRole('list', { name: 'People in this room' })).toBeVisible();

  // The realtime socket is cut and new ones are refused for 2 s (the page's debug hook).
  await page.evaluate(() => window.__parlor!.socket.drop({ offlineMs: 2_000 }));
  await expect(page.getByText('Reconnecting…')).toBeVisible();
  await expect(page.getByText('Reconnecting…')).toHaveCount(0, { timeout: 15_000 });
  await expect(page.locator('li[data-self="true"]')).toContainText('Hugo');
  await expect(page.getByRole('button', { name: 'Start call' })).toBeEnabled();
});
