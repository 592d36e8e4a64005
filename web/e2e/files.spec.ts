/**
 * The room's shared files with the real server and its local blob store: upload with
 * progress, the history reaching everyone live, a later joiner downloading the very same
 * bytes, and a file over the server's limit refused in words.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { openFilesTab, sha256Of, sharedFile } from './file-helpers';
import { createRoom, expect, joinRoom, person, test } from './fixtures';
import { launchParlor } from './launch';

const MiB = 1024 * 1024;
let scratch = '';

test.beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-files-'));
});

test.afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

/** A file of random bytes in the scratch folder; returns its path and SHA-256. */
function randomFile(name: string, size: number): { path: string; sha256: string } {
  const bytes = randomBytes(size);
  const file = path.join(scratch, name);
  writeFileSync(file, bytes);
  return { path: file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Records every value the upload progress bars show, so a test can tell the bar reached
 * 100% even when a loopback upload is over before an assertion could look.
 */
async function recordUploadProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { uploadProgress: number[] }).uploadProgress = seen;
    const look = () => {
      for (const bar of document.querySelectorAll('[role="progressbar"]')) {
        if (bar.getAttribute('aria-label')?.startsWith('Uploading ')) seen.push(Number(bar.getAttribute('aria-valuenow')));
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-valuenow', 'aria-label'],
    });
  });
}

async function uploadProgressSeen(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { uploadProgress: number[] }).uploadProgress);
}

test('a file shared in the room reaches everyone, and downloads as the same bytes', async ({ browser }) => {
  const alice = await person(browser);
  const carol = await person(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(carol, link, 'Carol');
  await openFilesTab(alice);
  await openFilesTab(carol);
  await expect(carol.getByText('No files yet.')).toBeVisible();

  // Alice shares 5 MiB of random bytes.
  const name = 'random-5MiB.bin';
  const original = randomFile(name, 5 * MiB);
  await recordUploadProgress(alice);
  await alice.locator('input[type="file"]').setInputFiles(original.path);

  const aliceRow = sharedFile(alice, name);
  await expect(aliceRow).toBeVisible({ timeout: 30_000 });
  await expect(aliceRow).toContainText('5.0 MB');
  await expect(aliceRow).toContainText('you');
  await expect(aliceRow).toContainText('just now');
  await expect(alice.getByRole('progressbar')).toHaveCount(0); // the upload's row is gone
  const progress = await uploadProgressSeen(alice);
  expect(Math.max(...progress)).toBe(100);
  expect(progress).toEqual([...progress].sort((x, y) => x - y)); // it only went up

  // Carol, on the page all along, sees it arrive and hears about it.
  const carolRow = sharedFile(carol, name);
  await expect(carolRow).toBeVisible();
  await expect(carolRow).toContainText('Alice');
  await expect(carolRow).toContainText('5.0 MB');
  await expect(carol.getByTestId('announcer')).toContainText(`Alice shared ${name}`);
  await expect(carol.getByRole('tab', { name: 'Files' })).toContainText('1');

  // Bob comes later: the history is there, and the download is the very same file.
  const bob = await person(browser);
  await joinRoom(bob, link, 'Bob');
  await openFilesTab(bob);
  await expect(sharedFile(bob, name)).toContainText('Alice');
  const [download] = await Promise.all([
    bob.waitForEvent('download'),
    bob.getByRole('button', { name: `Download ${name}` }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  const saved = await download.path();
  expect(sha256Of(saved)).toBe(original.sha256);
  await expect(bob).toHaveURL(link); // the download did not take the page away

  for (const page of [alice, bob, carol]) await page.context().close();
});

test('several files at once, picked together or dropped together', async ({ browser }) => {
  const dana = await person(browser);
  await createRoom(dana, 'Dana');
  await openFilesTab(dana);
  const picked = ['one.txt', 'two.txt', 'three.txt'].map((name) => randomFile(name, 10_000 + name.length));
  await dana.locator('input[type="file"]').setInputFiles(picked.map((file) => file.path));
  const history = dana.getByRole('list', { name: 'Shared files' }).getByRole('listitem');
  await expect(history).toHaveCount(3, { timeout: 20_000 });

  // Two files dragged onto the drop zone from the desktop.
  const dataTransfer = await dana.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['first dropped file'], 'dropped-1.txt', { type: 'text/plain' }));
    transfer.items.add(new File(['second dropped file'], 'dropped-2.txt', { type: 'text/plain' }));
    return transfer;
  });
  const zone = dana.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await expect(zone).toContainText('Drop to share with the room');
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(history).toHaveCount(5, { timeout: 20_000 });
  await expect(history.first()).toContainText(/dropped-[12]\.txt/); // newest first
  await expect(zone).toContainText('Drop files here or');
  await expect(dana.getByRole('tab', { name: 'Files' })).toContainText('5');
  await dana.context().close();
});

test('a file over the server\'s limit is refused in words', async ({ browser }) => {
  // A server that takes files of at most 1 MiB.
  const server = await launchParlor(['--max-file-bytes', String(MiB)]);
  try {
    const erin = await person(browser, server.url);
    await createRoom(erin, 'Erin');
    await openFilesTab(erin);
    const name = 'too-big.bin';
    await erin.locator('input[type="file"]').setInputFiles(randomFile(name, 2 * MiB).path);

    const problem = erin.getByRole('alert').filter({ hasText: `${name} is too large` });
    await expect(problem).toBeVisible({ timeout: 20_000 });
    await expect(problem).toContainText('at most');
    await expect(erin.getByRole('button', { name: `Retry upload of ${name}` })).toHaveCount(0);
    await erin.getByRole('button', { name: `Dismiss ${name}` }).click();
    await expect(problem).toHaveCount(0);
    await expect(erin.getByText('No files yet.')).toBeVisible();
    await expect(erin.getByRole('button', { name: 'Upload files' })).toBeFocused();
    await erin.context().close();
  } finally {
    await server.stop();
  }
});
