import { findUserRow } from '../fixtures/admin-users.ts';
import { SESSION_COOKIE } from '../fixtures/impersonate.ts';
import {
  expectRefusedLinkPage,
  forgedSecret,
  ONE_CLICK_URL,
  oneClickPartsOf,
  signsYouInAs,
  urlIn,
} from '../fixtures/links.ts';
import { expect, test } from '../fixtures/test.ts';

test('a one-click link emailed through the API signs its user in once, never shows or leaks its secret, and then says it was used', async ({
  org,
  newPage,
  sessionOf,
  emailOneClickLink,
}) => {
  const customer = org.members[0];
  const url = await emailOneClickLink(customer);
  const { hash } = oneClickPartsOf(url);

  const page = await newPage();
  // Every request the page makes, to check none carries the secret in a Referer.
  const referers: string[] = [];
  page.on('request', (request) => {
    request.headerValue('referer').then(
      (referer) => {
        if (referer) referers.push(referer);
      },
      () => undefined,
    );
  });
  const response = await page.goto(url);
  if (!response) throw new Error('Opening the link gave no response.');
  expect(response.status()).toBe(200);
  expect(response.headers()['referrer-policy']).toBe('no-referrer');
  expect(response.headers()['cache-control']).toBe('no-store');

  await expect(
    page.getByRole('heading', { level: 1, name: 'Sign in with a one-click link' }),
  ).toBeVisible();
  await expect(page).toHaveURL((u) => u.pathname === '/one-click');
  expect(page.url(), 'the address bar no longer holds the secret').not.toContain(hash);
  await expect(page.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
  await expect(page.locator('strong', { hasText: customer.name })).toBeVisible();
  await expect(page.getByText(customer.email), 'the full address is masked').toHaveCount(0);
  expect(await sessionOf(page), 'opening the link signed nobody in').toBeNull();

  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL((u) => u.pathname === '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(customer.name);
  await expect(page.getByRole('banner')).toContainText(org.name);
  expect(await sessionOf(page)).toMatchObject({
    method: 'one_click',
    user: { email: customer.email },
  });

  // Nowhere in the history, and no request carried it as a Referer.
  expect(
    await page.evaluate(() => window.location.href),
    'the current history entry holds no secret',
  ).not.toContain(hash);
  expect(referers.filter((r) => r.includes(hash))).toEqual([]);

  const again = await newPage();
  await again.goto(url);
  await expectRefusedLinkPage(again, 'This link has already been used');
  expect(await sessionOf(again)).toBeNull();
});

test('a browser signed in as someone else is told so: Cancel keeps that account, Continue signs it out and in as the link’s user', async ({
  page,
  context,
  org,
  signIn,
  api,
  sessionOf,
  emailOneClickLink,
}) => {
  const { owner } = org;
  const customer = org.members[0];
  const url = await emailOneClickLink(customer);
  await signIn(page, owner);
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`No ${SESSION_COOKIE} cookie after signing in.`);
  // The owner's session token, to replay it afterwards.
  const ownersSession = await api({ token: cookie.value });
  expect((await ownersSession.auth.session()).session.user?.email).toBe(owner.email);

  await page.goto(url);
  await expect(page.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
  await expect(
    page.getByRole('status').filter({
      hasText: `You are signed in as ${owner.name}. Continuing signs you out of that account.`,
    }),
  ).toBeVisible();

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(owner.name);
  expect((await sessionOf(page))?.user?.email, 'Cancel kept the account').toBe(owner.email);

  // Cancel did not spend the link: it still works.
  await page.goto(url);
  await expect(
    page.getByText(`You are signed in as ${owner.name}.`, { exact: false }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(customer.name);
  await expect(page.getByRole('banner')).not.toContainText(owner.name);
  expect((await sessionOf(page))?.user?.email).toBe(customer.email);

  // "Signs you out of that account": the owner's session is over on the server, not just
  // replaced.
  await expect(ownersSession.auth.session()).rejects.toMatchObject({ status: 401 });
});

test('a forged one-click link (a real user id with a made-up secret) is not valid and signs nobody in', async ({
  org,
  newPage,
  sessionOf,
}) => {
  const customer = org.members[0];
  const page = await newPage();
  await page.goto(`/one-click/${customer.userId}/${forgedSecret()}`);
  await expectRefusedLinkPage(page, 'This link is not valid');
  await expect(page.getByText(customer.name)).toHaveCount(0);
  expect(await sessionOf(page)).toBeNull();
});

test('an operator emails a sign-in link from Admin › Users for the lifetime chosen: the dialog says where it went, never shows the link, and the emailed link opens that customer’s account', async ({
  page,
  org,
  operator,
  signIn,
  newPage,
  api,
  mailbox,
  clock,
  sessionOf,
}) => {
  const customer = org.members[0];
  const reason = 'Cannot sign in after the move';
  await signIn(page, await operator('admin'));
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  const row = await findUserRow(page, customer.email);

  await row.getByRole('button', { name: `Email a sign-in link to ${customer.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Email a sign-in link to ${customer.name}` });
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('spinbutton', { name: 'Valid for (minutes)' }).fill('5');
  const issuedAt = (await clock.now()).getTime();
  await dialog.getByRole('button', { name: 'Send link' }).click();
  // Where it went, masked, and no link anywhere in the dialog.
  await expect(dialog.getByRole('status')).toContainText('Sign-in link sent to m•••@example.test');
  await expect(dialog.getByRole('textbox')).toHaveCount(0);
  await expect(dialog).not.toContainText('/one-click/');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);

  const url = urlIn((await mailbox.latest(customer.email, { text: reason })).text, ONE_CLICK_URL);
  // Five minutes, as asked (the preview tells anyone holding the link when it runs out).
  const preview = await (await api()).links.previewOneClick(oneClickPartsOf(url));
  expect(preview).toMatchObject({ status: 'valid', purpose: 'delivered', maker: null });
  const lifetime = Date.parse(preview.expiresAt ?? '') - issuedAt;
  expect(lifetime).toBeGreaterThan(4 * 60_000);
  expect(lifetime).toBeLessThanOrEqual(5 * 60_000 + 30_000);

  const person = await newPage();
  await person.goto(url);
  await expect(person.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
  await person.getByRole('button', { name: 'Continue' }).click();
  await expect(person.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(person.getByRole('banner')).toContainText(customer.name);
  expect((await sessionOf(person))?.user?.email).toBe(customer.email);
});

test('a one-click link past its expiry shows the expired page and signs nobody in', async ({
  org,
  api,
  newPage,
  clock,
  sessionOf,
  emailOneClickLink,
}) => {
  const url = await emailOneClickLink(org.members[0], { expiresInMinutes: 1 });
  const holder = await api();
  const preview = () => holder.links.previewOneClick(oneClickPartsOf(url));
  // Checking a valid link counts nothing; past its minute, the server calls it expired.
  expect((await preview()).status).toBe('valid');
  await clock.advance(2 * 60_000);
  expect((await preview()).status).toBe('expired');

  const page = await newPage();
  await page.goto(url);
  await expectRefusedLinkPage(page, 'This link has expired');
  expect(await sessionOf(page)).toBeNull();
});
