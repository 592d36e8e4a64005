import { expect, memberList, memberNamed, person, test } from './fixtures';

test('two people meet in a room, and a reload keeps who you are', async ({ browser }) => {
  const alice = await person(browser);
  const bob = await person(browser);

  // Alice creates a room from the landing page.
  await alice.goto('/');
  await expect(alice.getByRole('heading', { level: 1 })).toBeVisible();
  await alice.getByLabel('Your name').fill('Alice');
  await alice.getByRole('button', { name: 'Create room' }).click();
  await expect(alice).toHaveURL(/\/r\/[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await expect(memberNamed(alice, 'Alice')).toBeVisible();
  await expect(alice.getByText('Share the link to invite people')).toBeVisible();
  const link = alice.url();

  // Bob opens Alice's link and joins with his name.
  await bob.goto(link);
  await bob.getByLabel('Your name').fill('Bob');
  await bob.getByRole('button', { name: 'Join room' }).click();

  // Each sees both.
  for (const page of [alice, bob]) {
    await expect(memberNamed(page, 'Alice')).toBeVisible();
    await expect(memberNamed(page, 'Bob')).toBeVisible();
  }
  const bobSelf = bob.locator('li[data-self="true"]');
  await expect(bobSelf).toContainText('Bob');
  await expect(bobSelf).toContainText('you');
  const bobId = await bobSelf.getAttribute('data-member-id');
  expect(bobId).toBeTruthy();
  await expect(alice.locator('li[data-self="true"]')).toContainText('Alice');
  await expect(alice.locator(`li[data-member-id="${bobId}"]`)).toContainText('Bob');

  // Bob reloads: straight back in as the same member, no join card, no second Bob.
  await bob.reload();
  await expect(bob.locator('li[data-self="true"]')).toHaveAttribute('data-member-id', bobId!);
  await expect(bob.getByRole('button', { name: 'Join room' })).toHaveCount(0);
  await expect(memberNamed(bob, 'Bob')).toHaveCount(1);
  await expect(memberList(bob).getByRole('listitem')).toHaveCount(2);
  await expect(memberNamed(alice, 'Bob')).toHaveCount(1);
  await expect(memberList(alice).getByRole('listitem')).toHaveCount(2);

  await alice.context().close();
  await bob.context().close();
});

test('leaving forgets the room and returns to the start page', async ({ browser }) => {
  const carol = await person(browser);
  await carol.goto('/');
  await carol.getByLabel('Your name').fill('Carol');
  await carol.getByRole('button', { name: 'Create room' }).click();
  await expect(memberNamed(carol, 'Carol')).toBeVisible();
  const link = carol.url();

  await carol.getByRole('button', { name: 'Leave room' }).click();
  await expect(carol).toHaveURL(/\/$/);
  await expect(carol.getByRole('button', { name: 'Create room' })).toBeVisible();
  await expect(carol.getByLabel('Your name')).toHaveValue('Carol');

  // Coming back by the link asks for a name again instead of rejoining.
  await carol.goto(link);
  await expect(carol.getByRole('button', { name: 'Join room' })).toBeVisible();
  await carol.context().close();
});

test('the landing page opens a room from a code or a pasted link', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Your name').fill('Dana');
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/r\//);
  const code = new URL(page.url()).pathname.split('/')[2]!;

  const visitor = await person(page.context().browser()!);
  await visitor.goto('/');
  await visitor.getByLabel('Room code or link').fill(code.replace(/-/g, '').toUpperCase());
  await visitor.getByRole('button', { name: 'Join room' }).click();
  await expect(visitor).toHaveURL(new RegExp(`/r/${code}$`));
  await expect(visitor.getByRole('heading', { name: 'Join this room' })).toBeVisible();

  await visitor.goto('/');
  await visitor.getByLabel('Room code or link').fill(`Come in: ${page.url()}`);
  await visitor.getByRole('button', { name: 'Join room' }).click();
  await expect(visitor).toHaveURL(new RegExp(`/r/${code}$`));

  await visitor.goto('/');
  await visitor.getByLabel('Room code or link').fill('not a code');
  await visitor.getByRole('button', { name: 'Join room' }).click();
  await expect(visitor.getByText('That is not a room code.', { exact: false })).toBeVisible();
  await visitor.context().close();
});
