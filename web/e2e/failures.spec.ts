/**
 * A client that survives its own errors (issue 13, acceptance 4): a part of the page made to
 * throw (the test hook of `npm run build:e2e`) shows "Something went wrong" with "Try again"
 * in its place while the call keeps playing, and the server logs and counts the report; a
 * blocked file type is refused in words before anything is sent, and by the server itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { framesFrom, twoInACall } from './call-helpers';
import { openFilesTab } from './file-helpers';
import { createRoom, expect, person, test } from './fixtures';
import { launchParlor, type LaunchedServer } from './launch';
import { failComponent } from './test-hooks';

/** The server's log so far, one parsed JSON object per line (other lines skipped). */
function logEntries(server: LaunchedServer): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'object' && entry !== null) entries.push(entry as Record<string, unknown>);
    } catch {
      // a line cut where the server is still writing, or not JSON
    }
  }
  return entries;
}

/** The metrics listener's port, from the server's `metrics_listening` log line. */
async function metricsPort(server: LaunchedServer): Promise<number> {
  let port = 0;
  await expect
    .poll(() => {
      const line = logEntries(server).find((entry) => entry.event === 'metrics_listening');
      port = typeof line?.port === 'number' ? line.port : 0;
      return port;
    })
    .toBeGreaterThan(0);
  return port;
}

/** `parlor_client_errors_total` on /metrics (-1 while it is not there). */
async function clientErrorsTotal(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => /^parlor_client_errors_total(\{[^}]*\})? /.test(l));
  return line === undefined ? -1 : Number(line.split(' ').at(-1));
}

function filesPanel(page: Page) {
  return page.getByRole('tabpanel', { name: 'Files' });
}

let server: LaunchedServer;
let scratch = '';

test.beforeAll(async () => {
  server = await launchParlor(['--metrics-address', '127.0.0.1:0', '--blocked-file-types', '.exe,video/*']);
  scratch = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-failures-'));
});

test.afterAll(async () => {
  await server?.stop();
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

test('the Files panel fails on its own: the call plays on, the server hears of it, "Try again" brings it back', async ({
  browser,
}) => {
  const metrics = await metricsPort(server);
  const countBefore = await clientErrorsTotal(metrics);
  expect(countBefore).toBe(0);

  const { alice, bob, a, b } = await twoInACall(browser, server.url);
  await openFilesTab(alice);
  const code = new URL(alice.url()).pathname.split('/')[2]!;

  await failComponent(alice, 'files');
  const panel = filesPanel(alice);
  await expect(panel.getByText('Something went wrong')).toBeVisible();
  await expect(panel.getByText('The Files panel stopped working.', { exact: false })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Upload files' })).toHaveCount(0);
  const tryAgain = panel.getByRole('button', { name: 'Try again' });
  await expect(tryAgain).toBeVisible();

  // Only the Files panel went: the call is still on screen, and video keeps arriving both ways.
  await expect(alice.getByRole('button', { name: 'Leave call' })).toBeVisible();
  await expect(alice.getByText('Something went wrong')).toHaveCount(1);
  const [aliceFrames, bobFrames] = [await framesFrom(alice, b), await framesFrom(bob, a)];
  await expect.poll(() => framesFrom(alice, b)).toBeGreaterThan(aliceFrames + 10);
  await expect.poll(() => framesFrom(bob, a)).toBeGreaterThan(bobFrames + 10);

  // The server logged the report as a JSON line and counted it.
  await expect
    .poll(() => logEntries(server).filter((entry) => entry.event === 'client_error').length)
    .toBeGreaterThanOrEqual(1);
  const report = logEntries(server).find((entry) => entry.event === 'client_error')!;
  expect(report.page).toBe(`/r/${code}`);
  expect(String(report.message)).toContain('Failure injected into "files"');
  expect(report.member).toBe(a);
  expect(report.version).toEqual(expect.any(String));
  await expect.poll(() => clientErrorsTotal(metrics)).toBeGreaterThanOrEqual(1);

  // "Try again" brings the panel back, working.
  await tryAgain.click();
  await expect(panel.getByRole('button', { name: 'Upload files' })).toBeVisible();
  await expect(panel.getByText('No files yet.')).toBeVisible();
  await expect(alice.getByText('Something went wrong')).toHaveCount(0);
  await expect(alice.getByRole('button', { name: 'Leave call' })).toBeVisible();

  for (const page of [alice, bob]) await page.context().close();
});

test('a blocked file type is named before picking, refused on picking, and refused by the server', async ({ browser }) => {
  const erin = await person(browser, server.url);
  await createRoom(erin, 'Erin');
  await openFilesTab(erin);
  const panel = filesPanel(erin);

  // Said before anyone picks a file.
  await expect(panel.getByText('Not allowed in this room: .exe, video/*')).toBeVisible();

  const prepares: string[] = [];
  erin.on('request', (request) => {
    if (request.url().includes('/files/prepare')) prepares.push(request.url());
  });
  const exe = path.join(scratch, 'setup.exe');
  writeFileSync(exe, 'MZ not really a program');
  await erin.locator('input[type="file"]').setInputFiles(exe);

  // Its row in Uploads says why, at once, and offers no retry (sending it again cannot help).
  const row = panel.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'setup.exe' });
  await expect(row.getByRole('alert')).toHaveText('Files of type .exe are not allowed in this room.');
  await expect(row.getByRole('button', { name: 'Retry upload of setup.exe' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Dismiss setup.exe' })).toBeVisible();
  await expect(panel.getByText('No files yet.')).toBeVisible();
  await expect(erin.getByRole('list', { name: 'Shared files' })).toHaveCount(0);
  expect(prepares).toEqual([]);

  // The server refuses it too, whatever a client does: prepare with a video type is 415.
  const answer = await erin.evaluate(async (roomPath) => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('parlor.token.'));
    const token = key === undefined ? null : localStorage.getItem(key);
    const response = await fetch(`/api/rooms/${roomPath}/files/prepare`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ filename: 'clip.mov', mimeType: 'video/quicktime', sizeBytes: 1234, sha256: 'a'.repeat(64) }),
    });
    return { hasToken: token !== null, status: response.status, body: await response.json() };
  }, new URL(erin.url()).pathname.split('/')[2]!);
  expect(answer.hasToken).toBe(true);
  expect(answer.status).toBe(415);
  expect(answer.body.error.code).toBe('file_type_not_allowed');
  expect(answer.body.error.message).toContain('video/');
  await expect(panel.getByText('No files yet.')).toBeVisible();

  await erin.context().close();
});
