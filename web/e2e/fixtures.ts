import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { serverUrl } from './server';

/** One browser context per person, as two people on two machines would be. */
export async function person(browser: Browser, baseURL = serverUrl()): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  return context.newPage();
}

export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(serverUrl());
  },
});

export { expect };

/** The People tab's list of members. */
export function memberList(page: Page) {
  return page.getByRole('list', { name: 'People in this room' });
}

export function memberNamed(page: Page, name: string) {
  return memberList(page).getByRole('listitem').filter({ has: page.getByText(name, { exact: true }) });
}

/** Creates a room from the landing page as `name`; returns the room's link. */
export async function createRoom(page: Page, name: string): Promise<string> {
  await page.goto('/');
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(memberNamed(page, name)).toBeVisible();
  return page.url();
}

/** Joins the room at `link` as `name` and waits to be listed. */
export async function joinRoom(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join room' }).click();
  await expect(memberNamed(page, name)).toBeVisible();
}
