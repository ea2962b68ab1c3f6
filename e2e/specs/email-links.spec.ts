import { oneClickPartsOf } from '../fixtures/links.ts';
import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

const { ops, solo, member } = personas;

test('a customer asks for a sign-in link on the sign-in page, and the emailed link signs them in once', async ({
  page,
  api,
  freshPage,
}) => {
  const opsApi = await api(ops);
  // Other specs email Sam links too (from support): this test's is the next self-service one.
  const newest = (await opsApi.sys.outbox({ to: solo.email })).messages[0]?.id ?? 0;
  const selfService = async () =>
    (await opsApi.sys.outbox({ to: solo.email })).messages.find(
      (m) => m.id > newest && m.subject === 'Your sign-in link',
    );

  await page.goto('/sign-in');
  await page.getByLabel('Email for a sign-in link').fill(solo.email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'If an account exists for that address' }),
  ).toBeVisible();

  // The mail is sent after the answer; the outbox stands in for the mailbox.
  await expect.poll(selfService).toBeDefined();
  const message = await selfService();
  const url = /https?:\/\/\S+\/one-click\/\d+\/[\w-]{43}/.exec(message?.text ?? '')?.[0];
  expect(url, 'the email carries a one-click link').toBeDefined();
  expect(oneClickPartsOf(url as string).userId).toBeGreaterThan(0);

  const visitor = await freshPage();
  await visitor.goto(url as string);
  await expect(
    visitor.getByRole('heading', { name: 'Sign in with a one-click link' }),
  ).toBeVisible();
  await visitor.getByRole('button', { name: 'Continue' }).click();
  await expect(visitor.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  await expect(visitor.getByRole('banner')).toContainText(solo.name);

  const again = await freshPage();
  await again.goto(url as string);
  await expect(
    again.getByRole('heading', { name: 'This link has already been used' }),
  ).toBeVisible();
});

test('an operator emails a sign-in link from Admin › Users, and the message names the operator and the reason', async ({
  page,
  signInAs,
}) => {
  const reason = `Locked out before delivery ${Date.now()}`;
  await signInAs(page, ops);
  await page.goto('/admin/users');
  await page.getByLabel('Search users').fill('Jane');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: `Email a sign-in link to ${member.name}` }).click();

  const dialog = page.getByRole('dialog', { name: `Email a sign-in link to ${member.name}` });
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Send link' }).click();
  // Where it went, masked as the server says it; never the link itself.
  await expect(dialog.getByRole('status')).toContainText('Sign-in link sent to m•••@acme.test');
  await dialog.getByRole('button', { name: 'Done' }).click();

  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Outbox' })
    .click();
  await expect(page.getByRole('heading', { name: 'Outbox', level: 1 })).toBeVisible();
  await page.getByLabel('Recipient').fill(member.email);
  await page.getByRole('button', { name: 'Filter' }).click();
  const latest = page.getByRole('table', { name: 'Outbox' }).getByRole('row').nth(1);
  await expect(latest).toContainText(`${ops.name} sent you a sign-in link`);
  await latest.getByRole('button', { name: /^Open message/ }).click();
  const opened = page.getByRole('dialog', { name: `${ops.name} sent you a sign-in link` });
  await expect(opened).toContainText(reason);
  await expect(opened.getByRole('link', { name: /\/one-click\// })).toBeVisible();
});
