/** What the specs that share files use: the Files tab, a row of its history, a file's digest. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

export async function openFilesTab(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Files' }).click();
  await expect(page.getByRole('button', { name: 'Upload files' })).toBeVisible();
}

/** The row of the Files tab's history that names `filename`. */
export function sharedFile(page: Page, filename: string) {
  return page.getByRole('list', { name: 'Shared files' }).getByRole('listitem').filter({ hasText: filename });
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
