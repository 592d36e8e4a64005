/**
 * Accessibility (issue 13, acceptance 3): axe-core finds no serious or critical WCAG 2.1 A/AA
 * violation on the landing page, the join card, the room with each side-panel tab, the
 * locked-room page and a call, at desktop and phone sizes, in light and dark; and every
 * control of the issue (the Chat tab and its "Message" field, "Lock room"/"Unlock room",
 * "Remove <name>" and its confirmation, "Raise hand"/"Lower hand" in the header and in the
 * call toolbar) is reached and used with the keyboard alone, with its focus visible.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page } from '@playwright/test';
import { twoInACall } from './call-helpers';
import { createRoom, expect, joinRoom, memberNamed, person, test } from './fixtures';

const sizes = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
const schemes = ['light', 'dark'] as const;

/** Runs axe on the page as it is and fails listing every serious or critical violation. */
async function expectNoSeriousViolations(page: Page, what: string, { contrastOnly = false } = {}): Promise<void> {
  const axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (contrastOnly ? axe.withRules(['color-contrast']) : axe).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious
    .map(
      (v) =>
        `  ${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    at ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
  // Soft: one run lists every page's problems, not just the first page's.
  expect.soft(serious.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${what}:\n${report}`).toEqual([]);
}

/** The same page at each size, in light; and in dark, its colours again (all else is the same). */
async function scanEverywhere(page: Page, what: string): Promise<void> {
  for (const [size, viewport] of Object.entries(sizes)) {
    await page.setViewportSize(viewport);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      const t0 = Date.now();
      await expectNoSeriousViolations(page, `${what} (${size}, ${scheme})`, { contrastOnly: scheme === 'dark' });
      console.log(`axe ${what} ${size} ${scheme}: ${Date.now() - t0} ms`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(sizes.desktop);
}

function tab(page: Page, name: 'People' | 'Chat' | 'Files'): Locator {
  return page.getByRole('tab', { name: new RegExp(`^${name}`) });
}

function chatMessages(page: Page): Locator {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
}

/** Sends a chat message with the mouse (setup for the scans, not the keyboard checks). */
async function say(page: Page, text: string): Promise<void> {
  await tab(page, 'Chat').click();
  const before = await chatMessages(page).count();
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(chatMessages(page)).toHaveCount(before + 1);
}

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement).catch(() => false);
}

/**
 * Presses Tab (or Shift+Tab) until `target` has focus; fails naming what had focus on the way
 * when it never does. Then checks that the focus is visible.
 */
async function tabTo(page: Page, target: Locator, { backwards = false, max = 60 } = {}): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    if (await isFocused(target)) {
      await expectFocusVisible(target);
      return;
    }
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        if (el === null || el === document.body) return '(body)';
        const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
        return `${el.tagName.toLowerCase()}${el.getAttribute('role') ? `[role=${el.getAttribute('role')}]` : ''} "${name}"`;
      }),
    );
  }
  throw new Error(`${target} never got focus from the keyboard; focus went through:\n  ${seen.join('\n  ')}`);
}

/** The focused element matches :focus-visible and draws something for it (an outline or a ring). */
async function expectFocusVisible(target: Locator): Promise<void> {
  const focus = await target.evaluate((el) => {
    const style = getComputedStyle(el);
    return {
      focused: el === document.activeElement,
      visible: el.matches(':focus-visible'),
      outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      ring: style.boxShadow !== 'none',
    };
  });
  expect(focus.focused, `${target} has focus`).toBe(true);
  expect(focus.visible, `${target} matches :focus-visible`).toBe(true);
  expect(focus.outline || focus.ring, `${target} shows its focus (outline ≥ 2px or a ring)`).toBe(true);
}

async function expectFocused(target: Locator): Promise<void> {
  await expect.poll(() => isFocused(target), { message: `${target} has focus` }).toBe(true);
  await expectFocusVisible(target);
}

/** Loads the page afresh so nothing a mouse did lingers: from here on, only the keyboard. */
async function freshFromKeyboard(page: Page, name: string): Promise<void> {
  await page.reload();
  await expect(memberNamed(page, name)).toBeVisible();
}

async function room(browser: Browser) {
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  return { alice, bob, link };
}

test.describe('axe', () => {
  test('landing page and join card', async ({ browser }) => {
    const visitor = await person(browser);
    await visitor.goto('/');
    await expect(visitor.getByRole('button', { name: 'Create room' })).toBeVisible();
    await scanEverywhere(visitor, 'the landing page');

    const host = await person(browser);
    const link = await createRoom(host, 'Alice');
    await visitor.goto(link);
    await expect(visitor.getByRole('heading', { name: 'Join this room' })).toBeVisible();
    await scanEverywhere(visitor, 'the join card');

    // The join card with its error (an empty name).
    await visitor.getByLabel('Your name').fill('');
    await visitor.getByRole('button', { name: 'Join room' }).click();
    await expect(visitor.getByRole('alert').or(visitor.locator('[aria-invalid="true"]')).first()).toBeVisible();
    await scanEverywhere(visitor, 'the join card with an error');
    await host.context().close();
    await visitor.context().close();
  });

  test('the room with each tab, and the locked-room page', async ({ browser }) => {
    test.setTimeout(300_000);
    const { alice, bob, link } = await room(browser);
    await say(alice, 'Can you hear me? The agenda is at https://example.org/agenda');
    await say(bob, 'Yes, loud and clear.\nGive me a minute to find it.');
    await bob.getByRole('button', { name: 'Raise hand' }).click();
    await tab(alice, 'People').click();
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toBeVisible();
    await alice.getByRole('button', { name: 'Lock room' }).click();
    await expect(alice.getByRole('button', { name: 'Unlock room' })).toBeVisible();

    // Alice is the creator: People shows "Remove Bob" and "Lower hand for Bob".
    await expect(alice.getByRole('button', { name: 'Remove Bob' })).toBeVisible();
    await scanEverywhere(alice, 'the room, People tab (host, a raised hand, locked)');
    await alice.getByRole('button', { name: 'Remove Bob' }).click();
    await expect(alice.getByRole('group', { name: 'Remove Bob?' })).toBeVisible();
    await scanEverywhere(alice, 'the room, People tab asking to confirm a removal');
    await alice.getByRole('button', { name: 'Cancel' }).click();

    await tab(alice, 'Chat').click();
    await expect(chatMessages(alice)).toHaveCount(2);
    await scanEverywhere(alice, 'the room, Chat tab with messages');
    // Bob's view: the Chat tab's unread count while People is open.
    await tab(bob, 'People').click();
    await say(alice, 'Found it?');
    await expect(tab(bob, 'Chat')).toContainText('1');
    await scanEverywhere(bob, 'the room, People tab with an unread message');

    await tab(alice, 'Files').click();
    await alice.locator('input[type="file"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes') });
    await expect(alice.getByRole('list', { name: 'Shared files' }).getByRole('listitem')).toHaveCount(1, { timeout: 20_000 });
    await scanEverywhere(alice, 'the room, Files tab with a file');

    const stranger = await person(browser);
    await stranger.goto(link);
    await stranger.getByLabel('Your name').fill('Dana');
    await stranger.getByRole('button', { name: 'Join room' }).click();
    await expect(stranger.getByRole('heading', { name: 'This room is locked' })).toBeVisible();
    await scanEverywhere(stranger, 'the locked-room page');
    for (const page of [alice, bob, stranger]) await page.context().close();
  });

  test('a call with two people', async ({ browser }) => {
    test.setTimeout(240_000);
    const { alice, bob } = await twoInACall(browser);
    await bob.getByRole('button', { name: 'Raise hand' }).click();
    await expect(bob.getByRole('button', { name: 'Lower hand' })).toBeVisible();
    await expect(alice.locator('[data-tile-member-id]').filter({ hasText: 'Bob' })).toContainText(/hand/i);
    await scanEverywhere(alice, 'the call (Alice, Bob has a hand up)');
    await scanEverywhere(bob, 'the call (Bob)');
    await alice.context().close();
    await bob.context().close();
  });
});

test.describe('keyboard', () => {
  test('Chat: the tab by arrow keys, Enter sends, Shift+Enter breaks the line', async ({ browser }) => {
    const { alice, bob } = await room(browser);
    await freshFromKeyboard(alice, 'Alice');

    await tabTo(alice, tab(alice, 'People'));
    await alice.keyboard.press('ArrowRight');
    await expect(tab(alice, 'Chat')).toHaveAttribute('aria-selected', 'true');
    await expectFocused(tab(alice, 'Chat'));
    await expect(alice.getByRole('tabpanel', { name: /^Chat/ })).toBeVisible();

    const field = alice.getByRole('textbox', { name: 'Message' });
    await tabTo(alice, field);
    await alice.keyboard.type('Hello from the keyboard');
    await alice.keyboard.press('Enter');
    await tab(bob, 'Chat').click();
    await expect(chatMessages(bob)).toHaveCount(1);
    await expect(chatMessages(bob).first()).toContainText('Hello from the keyboard');
    await expect(field).toHaveValue('');
    await expectFocused(field);

    await alice.keyboard.type('line one');
    await alice.keyboard.press('Shift+Enter');
    await alice.keyboard.type('line two');
    await expect(field).toHaveValue('line one\nline two');
    await expect(chatMessages(alice)).toHaveCount(1); // not sent yet
    await alice.keyboard.press('Enter');
    await expect(chatMessages(bob)).toHaveCount(2);
    await expect(chatMessages(bob).last().locator('.chat-text')).toHaveText('line one\nline two');
    await expect(field).toHaveValue('');

    // Arrow keys go round the tabs, and back to People.
    await tabTo(alice, tab(alice, 'Chat'), { backwards: true });
    await alice.keyboard.press('ArrowLeft');
    await expect(tab(alice, 'People')).toHaveAttribute('aria-selected', 'true');
    await expectFocused(tab(alice, 'People'));
    await alice.keyboard.press('End');
    await expect(tab(alice, 'Files')).toHaveAttribute('aria-selected', 'true');
    await expectFocused(tab(alice, 'Files'));
    await alice.context().close();
    await bob.context().close();
  });

  test('"Lock room" and "Unlock room"', async ({ browser }) => {
    const { alice, bob, link } = await room(browser);
    await freshFromKeyboard(alice, 'Alice');

    await tabTo(alice, alice.getByRole('button', { name: 'Lock room' }));
    await alice.keyboard.press('Enter');
    const unlock = alice.getByRole('button', { name: 'Unlock room' });
    await expect(unlock).toBeVisible();
    await expectFocused(unlock); // the same button, now saying what it does next
    await expect(bob.getByText('Locked', { exact: true })).toBeVisible();

    const stranger = await person(browser);
    await stranger.goto(link);
    await stranger.getByLabel('Your name').fill('Dana');
    await stranger.getByRole('button', { name: 'Join room' }).click();
    await expect(stranger.getByRole('heading', { name: 'This room is locked' })).toBeVisible();

    await alice.keyboard.press('Space');
    const lock = alice.getByRole('button', { name: 'Lock room' });
    await expect(lock).toBeVisible();
    await expectFocused(lock);
    await expect(bob.getByText('Locked', { exact: true })).toHaveCount(0);
    for (const page of [alice, bob, stranger]) await page.context().close();
  });

  test('"Remove <name>": Escape cancels, the confirmation removes', async ({ browser }) => {
    const { alice, bob } = await room(browser);
    await freshFromKeyboard(alice, 'Alice');

    const remove = alice.getByRole('button', { name: 'Remove Bob' });
    await tabTo(alice, remove);
    await alice.keyboard.press('Enter');
    const confirm = alice.getByRole('group', { name: 'Remove Bob?' });
    await expect(confirm).toBeVisible();
    await expectFocused(confirm.getByRole('button', { name: 'Cancel' }));

    // Escape takes the question back and returns focus to "Remove Bob".
    await alice.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
    await expectFocused(remove);
    await expect(memberNamed(bob, 'Bob')).toBeVisible();

    // "Cancel" does the same.
    await alice.keyboard.press('Enter');
    await expectFocused(confirm.getByRole('button', { name: 'Cancel' }));
    await alice.keyboard.press('Enter');
    await expect(confirm).toHaveCount(0);
    await expectFocused(remove);

    // Then for real: Shift+Tab from "Cancel" to "Remove", Enter.
    await alice.keyboard.press('Space');
    await expectFocused(confirm.getByRole('button', { name: 'Cancel' }));
    await tabTo(alice, confirm.getByRole('button', { name: 'Remove', exact: true }), { backwards: true, max: 1 });
    await alice.keyboard.press('Enter');
    await expect(bob.getByRole('heading', { name: 'You were removed from this room' })).toBeVisible();
    await expect(memberNamed(alice, 'Bob')).toHaveCount(0);
    // Focus does not fall off the page with the row that went.
    await expect.poll(() => alice.evaluate(() => document.activeElement !== null && document.activeElement !== document.body)).toBe(true);
    await alice.context().close();
    await bob.context().close();
  });

  test('"Raise hand" and "Lower hand" in the room header', async ({ browser }) => {
    const { alice, bob } = await room(browser);
    await freshFromKeyboard(bob, 'Bob');

    await tabTo(bob, bob.getByRole('button', { name: 'Raise hand' }));
    await bob.keyboard.press('Enter');
    const lower = bob.getByRole('button', { name: 'Lower hand' });
    await expect(lower).toBeVisible();
    await expectFocused(lower);
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toBeVisible();

    await bob.keyboard.press('Space');
    const raise = bob.getByRole('button', { name: 'Raise hand' });
    await expect(raise).toBeVisible();
    await expectFocused(raise);
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toHaveCount(0);
    await alice.context().close();
    await bob.context().close();
  });

  test('"Raise hand" and "Lower hand" in the call toolbar', async ({ browser }) => {
    test.setTimeout(90_000);
    const { alice, bob } = await twoInACall(browser);
    // Nothing the mouse did stays focused; from here on, only the keyboard.
    await bob.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    const toolbar = bob.getByRole('group', { name: 'Call controls' });
    await tabTo(bob, toolbar.getByRole('button', { name: 'Raise hand' }));
    await bob.keyboard.press('Enter');
    const lower = toolbar.getByRole('button', { name: 'Lower hand' });
    await expect(lower).toBeVisible();
    await expectFocused(lower);
    const bobsTile = alice.locator('[data-tile-member-id]').filter({ hasText: 'Bob' });
    await expect(bobsTile).toContainText(/hand raised/i);
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toBeVisible();

    await bob.keyboard.press('Enter');
    await expect(toolbar.getByRole('button', { name: 'Raise hand' })).toBeVisible();
    await expectFocused(toolbar.getByRole('button', { name: 'Raise hand' }));
    await expect(memberNamed(alice, 'Bob').getByText('Hand raised')).toHaveCount(0);
    await alice.context().close();
    await bob.context().close();
  });
});
