/**
 * A long chat (issue 13): a late joiner's snapshot holds the latest 100 messages; scrolling
 * the history to the top loads the older ones, page by page, back to the first, and
 * "Load older messages" does the same from the keyboard.
 */
import type { Page } from '@playwright/test';
import { createRoom, expect, joinRoom, person, test } from './fixtures';
import { launchParlor, type LaunchedServer } from './launch';

const SEEDED = 130;

let server: LaunchedServer;

test.beforeAll(async () => {
  // No chat rate, so that one person can write a long history quickly.
  server = await launchParlor(['--chat-messages-per-minute', '0']);
});

test.afterAll(async () => {
  await server?.stop();
});

/** Writes `count` messages ("seed 001" …) from the page's member over a socket of its own. */
async function seedMessages(page: Page, count: number): Promise<void> {
  await page.evaluate(async (total) => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('parlor.token.'));
    if (key === undefined) throw new Error('no token in this page');
    const token = localStorage.getItem(key);
    const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`);
    await new Promise<void>((resolve, reject) => {
      let echoed = 0;
      socket.onerror = () => reject(new Error('socket failed'));
      socket.onopen = () => socket.send(JSON.stringify({ type: 'room:join', data: { token } }));
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as { type: string; rid?: string };
        if (frame.type === 'room:state') {
          for (let i = 1; i <= total; ++i) {
            const text = `seed ${String(i).padStart(3, '0')}`;
            socket.send(JSON.stringify({ type: 'chat:send', data: { text }, rid: text }));
          }
        } else if (frame.type === 'chat:message' && frame.rid !== undefined) {
          if (++echoed === total) resolve();
        } else if (frame.type === 'error') {
          reject(new Error(String(event.data)));
        }
      };
    });
    socket.close();
  }, count);
}

function history(page: Page) {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
}

test('a late joiner sees the latest 100 and scrolls back to the first message', async ({ browser }) => {
  const alice = await person(browser, server.url);
  const bob = await person(browser, server.url);
  const link = await createRoom(alice, 'Alice');
  await seedMessages(alice, SEEDED);

  await joinRoom(bob, link, 'Bob');
  await bob.getByRole('tab', { name: 'Chat' }).click();
  await expect(history(bob)).toHaveCount(100);
  await expect(history(bob).first()).toContainText('seed 031');
  await expect(history(bob).last()).toContainText(`seed ${SEEDED}`);

  // Scrolling to the top asks for the rest (one page of 50 holds all 30).
  await bob.getByRole('region', { name: 'Chat history' }).evaluate((element) => {
    element.scrollTop = 0;
  });
  await expect(history(bob)).toHaveCount(SEEDED);
  await expect(history(bob).first()).toContainText('seed 001');
  await expect(bob.getByRole('button', { name: 'Load older messages' })).toHaveCount(0);

  // From the keyboard: a fresh visit, then "Load older messages".
  await bob.reload();
  await bob.getByRole('tab', { name: 'Chat' }).click();
  await expect(history(bob)).toHaveCount(100);
  const older = bob.getByRole('button', { name: 'Load older messages' });
  await older.focus();
  await bob.keyboard.press('Enter');
  await expect(history(bob)).toHaveCount(SEEDED);
  await expect(history(bob).first()).toContainText('seed 001');
});
