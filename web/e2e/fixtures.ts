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
