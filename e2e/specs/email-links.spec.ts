import { findUserRow } from '../fixtures/admin-users.ts';
import { ONE_CLICK_URL, oneClickPartsOf, urlIn } from '../fixtures/links.ts';
import { expect, test } from '../fixtures/test.ts';

test('a customer asks for a sign-in link on the sign-in page, and the emailed link signs them in once', async ({
  page,
  org,
  newPage,
  mailbox,
}) => {
  const customer = org.members[0];
  await page.goto('/sign-in');
  await page.getByLabel('Email for a sign-in link').fill(customer.email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'If an account exists for that address' }),
  ).toBeVisible();

  // The mail is sent after the answer: the mailbox waits for it.
  const message = await mailbox.latest(customer.email, { subject: 'Your sign-in link' });
  const url = urlIn(message.text, ONE_CLICK_URL);
  expect(oneClickPartsOf(url).userId).toBe(customer.userId);

  const visitor = await newPage();
  await visitor.goto(url);
  await expect(
    visitor.getByRole('heading', { name: 'Sign in with a one-click link' }),
  ).toBeVisible();
  await visitor.getByRole('button', { name: 'Continue' }).click();
  await expect(visitor.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  await expect(visitor.getByRole('banner')).toContainText(customer.name);

  const again = await newPage();
  await again.goto(url);
  await expect(
    again.getByRole('heading', { name: 'This link has already been used' }),
  ).toBeVisible();
});

test('an operator emails a sign-in link from Admin › Users, and the message names the operator and the reason', async ({
  page,
  org,
  operator,
  signIn,
}) => {
  const customer = org.members[0];
  const ops = await operator('admin');
  const reason = 'Locked out before delivery';
  await signIn(page, ops);
  await page.goto('/admin/users');
  const row = await findUserRow(page, customer.email);
  await row.getByRole('button', { name: `Email a sign-in link to ${customer.name}` }).click();

  const dialog = page.getByRole('dialog', { name: `Email a sign-in link to ${customer.name}` });
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Send link' }).click();
  // Where it went, masked as the server says it; never the link itself.
  await expect(dialog.getByRole('status')).toContainText('Sign-in link sent to m•••@example.test');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Admin › Outbox, where an operator reads what the server sent when it has no SMTP server:
  // the message, without the link, which works only for the person it was sent to.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Outbox' })
    .click();
  await expect(page.getByRole('heading', { name: 'Outbox', level: 1 })).toBeVisible();
  await page.getByLabel('Recipient').fill(customer.email);
  await page.getByRole('button', { name: 'Filter' }).click();
  const messages = page.getByRole('table', { name: 'Outbox' }).getByRole('row');
  await expect(messages).toHaveCount(2);
  const latest = messages.nth(1);
  await expect(latest).toContainText(`${ops.name} sent you a sign-in link`);
  await latest.getByRole('button', { name: /^Open message/ }).click();
  const opened = page.getByRole('dialog', { name: `${ops.name} sent you a sign-in link` });
  await expect(opened).toContainText(reason);
  await expect(opened).toContainText('[link removed]');
  await expect(opened.getByRole('link')).toHaveCount(0);
  await expect(opened).not.toContainText('/one-click/');
});
