/**
 * What people do in a room besides calling (issue 13, acceptance 2): chat both ways with a
 * history that a later joiner sees, the creator locking the room against a stranger with
 * the link, a raised hand reaching the creator, the creator removing someone for good, and
 * "Join room" on the landing page going straight in when a name is already typed.
 */
import type { Page } from '@playwright/test';
import { createRoom, expect, joinRoom, memberList, memberNamed, person, test } from './fixtures';

function messageField(page: Page) {
  return page.getByRole('textbox', { name: 'Message', exact: true });
}

async function openChatTab(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Chat' }).click();
  await expect(messageField(page)).toBeVisible();
}

/** Types into "Message" and presses Enter (which sends); the field empties once the server has it. */
async function say(page: Page, text: string): Promise<void> {
  const field = messageField(page);
  await field.fill(text);
  await field.press('Enter');
  await expect(field).toHaveValue('');
}

/** The chat history's entry with this text. */
function chatMessage(page: Page, text: string) {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
}

/** Notes on the page whether a join card ever appears, however briefly. */
async function watchForJoinCard(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const flag = window as unknown as { sawJoinCard: boolean };
    flag.sawJoinCard = false;
    new MutationObserver(() => {
      if (document.querySelector('.join-card') !== null) flag.sawJoinCard = true;
    }).observe(document, { subtree: true, childList: true });
  });
}

async function sawJoinCard(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { sawJoinCard: boolean }).sawJoinCard);
}

test('chat with history, lock, raised hand and removal', async ({ browser }) => {
  const alice = await person(browser);
  const bob = await person(browser);
  const link = await createRoom(alice, 'Alice');
  await joinRoom(bob, link, 'Bob');
  await expect(memberNamed(alice, 'Bob')).toBeVisible();

  // Alice and Bob chat both ways; each sees the other's words under the other's name.
  await openChatTab(alice);
  await openChatTab(bob);
  await say(alice, 'Can you hear me, Bob?');
  await expect(chatMessage(alice, 'Can you hear me, Bob?')).toContainText('You');
  await expect(chatMessage(bob, 'Can you hear me, Bob?')).toContainText('Alice');
  await say(bob, 'Loud and clear, Alice.');
  await expect(chatMessage(alice, 'Loud and clear, Alice.')).toContainText('Bob');
  await expect(chatMessage(bob, 'Loud and clear, Alice.')).toContainText('You');
  // Enter sent each message once.
  for (const page of [alice, bob]) {
    await expect(page.getByRole('list', { name: 'Messages' }).getByRole('listitem')).toHaveCount(2);
  }

  // Carol comes later: the history is there, oldest first, with who wrote what.
  const carol = await person(browser);
  await joinRoom(carol, link, 'Carol');
  await openChatTab(carol);
  const carolHistory = carol.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  await expect(carolHistory).toHaveCount(2);
  await expect(carolHistory.nth(0)).toContainText('Alice');
  await expect(carolHistory.nth(0)).toContainText('Can you hear me, Bob?');
  await expect(carolHistory.nth(1)).toContainText('Bob');
  await expect(carolHistory.nth(1)).toContainText('Loud and clear, Alice.');

  // Alice locks the room; everyone inside sees that it is locked.
  await alice.getByRole('button', { name: 'Lock room' }).click();
  await expect(alice.getByRole('button', { name: 'Unlock room' })).toBeVisible();
  for (const page of [alice, bob, carol]) await expect(page.getByText('Locked', { exact: true })).toBeVisible();
  // Only the creator has the lock.
  await expect(bob.getByRole('button', { name: /(Lock|Unlock) room/ })).toHaveCount(0);

  // Dan, a stranger with the link, is told the room is locked and is not let in.
  const dan = await person(browser);
  await dan.goto(link);
  await dan.getByLabel('Your name').fill('Dan');
  await dan.getByRole('button', { name: 'Join room' }).click();
  await expect(dan.getByRole('heading', { name: 'This room is locked' })).toBeVisible();
  await expect(memberList(dan)).toHaveCount(0);
  await alice.getByRole('tab', { name: 'People' }).click();
  await expect(memberList(alice).getByRole('listitem')).toHaveCount(3);
  await expect(memberNamed(alice, 'Dan')).toHaveCount(0);

  // Bob raises his hand from the room header (he is not in a call); Alice sees and hears of it.
  await expect(memberNamed(alice, 'Bob')).not.toContainText('Hand raised');
  await bob.getByRole('button', { name: 'Raise hand' }).click();
  await expect(bob.getByRole('button', { name: 'Lower hand' })).toBeVisible();
  await expect(memberNamed(alice, 'Bob')).toContainText('Hand raised');
  await expect(memberNamed(alice, 'Bob')).toHaveAttribute('data-hand-raised', 'true');
  await expect(alice.getByTestId('announcer')).toContainText('Bob raised their hand');
  // A raised hand goes to the top of People.
  await expect(memberList(alice).getByRole('listitem').first()).toContainText('Bob');
  await expect(alice.getByRole('tab', { name: 'People' })).toContainText('1 hand raised');

  // Alice removes Bob, confirming first.
  await alice.getByRole('button', { name: 'Remove Bob', exact: true }).click();
  const confirm = alice.getByRole('group', { name: 'Remove Bob?' });
  await expect(confirm).toContainText('Remove Bob from the room?');
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();

  // Bob's page says so in words; a reload does not bring him back.
  await expect(bob.getByRole('heading', { name: 'You were removed from this room' })).toBeVisible();
  await expect(memberList(bob)).toHaveCount(0);
  await bob.reload();
  await expect(bob.getByRole('heading', { name: 'You were removed from this room' })).toBeVisible();
  await expect(bob.getByRole('button', { name: 'Join room' })).toHaveCount(0);
  await expect(memberList(bob)).toHaveCount(0);

  // Alice's People no longer lists Bob (nor does Carol's).
  await carol.getByRole('tab', { name: 'People' }).click();
  for (const page of [alice, carol]) {
    await expect(memberNamed(page, 'Bob')).toHaveCount(0);
    await expect(memberList(page).getByRole('listitem')).toHaveCount(2);
  }
  // His words stay in the history under his name.
  await carol.getByRole('tab', { name: 'Chat' }).click();
  await expect(chatMessage(carol, 'Loud and clear, Alice.')).toContainText('Bob');

  for (const page of [alice, bob, carol, dan]) await page.context().close();
});

test('"Join room" on the landing page with a name typed goes straight into the room', async ({ browser }) => {
  const alice = await person(browser);
  const link = await createRoom(alice, 'Alice');
  const code = new URL(link).pathname.split('/')[2]!;

  const erin = await person(browser);
  await watchForJoinCard(erin);
  await erin.goto('/');
  await erin.getByLabel('Your name').fill('Erin');
  await erin.getByLabel('Room code or link').fill(code);
  await erin.getByRole('button', { name: 'Join room' }).click();

  await expect(erin).toHaveURL(link);
  await expect(memberNamed(erin, 'Erin')).toBeVisible();
  await expect(erin.locator('li[data-self="true"]')).toContainText('Erin');
  await expect(memberNamed(alice, 'Erin')).toBeVisible();
  await expect(erin.getByLabel('Your name')).toHaveCount(0);
  expect(await sawJoinCard(erin)).toBe(false);

  // The watch does see a join card: Frank gives no name on the landing page and gets one.
  const frank = await person(browser);
  await watchForJoinCard(frank);
  await frank.goto('/');
  await frank.getByLabel('Room code or link').fill(code);
  await frank.getByRole('button', { name: 'Join room' }).click();
  await expect(frank.getByRole('heading', { name: 'Join this room' })).toBeVisible();
  expect(await sawJoinCard(frank)).toBe(true);

  for (const page of [alice, erin, frank]) await page.context().close();
});
