import { randomUUID } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import type { SessionResponse } from '@onbehalf/contracts/auth';
import type { Page } from '@playwright/test';
import {
  anonymousClient,
  emailOneClickLink,
  expectRefusedLinkPage,
  forgedSecret,
  mailedOneClickLink,
  oneClickPartsOf,
  userIdOf,
} from '../fixtures/links.ts';
import { ACME, personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Omar Haddad (operator admin, one-click-links:create) issues the links. They are emailed to
// their user (SPEC §4b), so each test reads its own from the outbox by a reason of its own; the
// people they sign in (Ben Brooks, Sam Solo) only gain sessions, and Olivia Owens only loses
// the one session a test made for her. Nothing here relies on Ben's "Place orders".
const { ops, buyer, solo, owner } = personas;

async function sessionOf(page: Page): Promise<SessionResponse['session'] | null> {
  const response = await page.request.get('/api/public/auth/session');
  return response.status() === 200 ? ((await response.json()) as SessionResponse).session : null;
}

test('a one-click link emailed through the API signs its user in once, never shows or leaks its secret, and then says it was used', async ({
  api,
  freshPage,
}) => {
  const url = await emailOneClickLink(await api(ops), { to: buyer.email });
  const { hash } = oneClickPartsOf(url);

  const page = await freshPage();
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
  await expect(
    page.getByText(/^This link signs you in as Ben Brooks \(.+\) at Acme Corp\.$/),
  ).toBeVisible();
  await expect(page.locator('strong', { hasText: buyer.name })).toBeVisible();
  await expect(page.getByText(buyer.email), 'the full address is masked').toHaveCount(0);
  expect(await sessionOf(page), 'opening the link signed nobody in').toBeNull();

  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL((u) => u.pathname === '/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(buyer.name);
  await expect(page.getByRole('banner')).toContainText(ACME);
  expect(await sessionOf(page)).toMatchObject({
    method: 'one_click',
    user: { email: buyer.email },
  });

  // Nowhere in the history, and no request carried it as a Referer.
  expect(
    await page.evaluate(() => window.location.href),
    'the current history entry holds no secret',
  ).not.toContain(hash);
  expect(referers.filter((r) => r.includes(hash))).toEqual([]);

  const again = await freshPage();
  await again.goto(url);
  await expectRefusedLinkPage(again, 'This link has already been used');
  expect(await sessionOf(again)).toBeNull();
});

test('a browser signed in as someone else is told so: Cancel keeps that account, Continue signs it out and in as the link’s user', async ({
  page,
  signInAs,
  api,
  baseURL,
}) => {
  const url = await emailOneClickLink(await api(ops), { to: buyer.email });
  // The fixture signs in without a cookie or an Origin, as an API client: the token comes back.
  const { token: ownersToken } = await signInAs(page, owner);
  expect(ownersToken, 'the session token, to replay it afterwards').toBeTruthy();

  await page.goto(url);
  await expect(page.getByText(/^This link signs you in as Ben Brooks \(/)).toBeVisible();
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
  await expect(page.getByRole('banner')).toContainText(buyer.name);
  await expect(page.getByRole('banner')).not.toContainText(owner.name);
  expect((await sessionOf(page))?.user?.email).toBe(buyer.email);

  // "Signs you out of that account": Olivia's session is over on the server, not just replaced.
  const replay = createApiClient({ baseUrl: baseURL, token: ownersToken });
  await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });
});

test('a forged one-click link (a real user id with a made-up secret) is not valid and signs nobody in', async ({
  api,
  freshPage,
}) => {
  const buyerId = await userIdOf(await api(ops), buyer.email);
  const page = await freshPage();
  await page.goto(`/one-click/${buyerId}/${forgedSecret()}`);
  await expectRefusedLinkPage(page, 'This link is not valid');
  await expect(page.getByText(buyer.name)).toHaveCount(0);
  expect(await sessionOf(page)).toBeNull();
});

test('an operator emails a sign-in link from Admin › Users for the lifetime chosen: the dialog says where it went, never shows the link, and the emailed link opens that customer’s account', async ({
  page,
  signInAs,
  freshPage,
  baseURL,
  api,
}) => {
  const reason = `Cannot sign in after the move [${randomUUID()}]`;
  await signInAs(page, ops);
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await page.getByLabel('Search users', { exact: true }).fill('Sam');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row').filter({ hasText: solo.email })).toBeVisible();

  await users.getByRole('button', { name: `Email a sign-in link to ${solo.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Email a sign-in link to ${solo.name}` });
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('spinbutton', { name: 'Valid for (minutes)' }).fill('5');
  const issuedAt = Date.now();
  await dialog.getByRole('button', { name: 'Send link' }).click();
  // Where it went, masked, and no link anywhere in the dialog.
  await expect(dialog.getByRole('status')).toContainText('Sign-in link sent to s•••@example.test');
  await expect(dialog.getByRole('textbox')).toHaveCount(0);
  await expect(dialog).not.toContainText('/one-click/');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);

  const url = await mailedOneClickLink(await api(ops), solo.email, reason);
  // Five minutes, as asked (the preview tells anyone holding the link when it runs out).
  const preview = await anonymousClient(baseURL).links.previewOneClick(oneClickPartsOf(url));
  expect(preview).toMatchObject({ status: 'valid', purpose: 'delivered', maker: null });
  const lifetime = Date.parse(preview.expiresAt ?? '') - issuedAt;
  expect(lifetime).toBeGreaterThan(4 * 60_000);
  expect(lifetime).toBeLessThanOrEqual(5 * 60_000 + 30_000);

  const sam = await freshPage();
  await sam.goto(url);
  await expect(sam.getByText(/^This link signs you in as Sam Solo \(/)).toBeVisible();
  await sam.getByRole('button', { name: 'Continue' }).click();
  await expect(sam.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(sam.getByRole('banner')).toContainText(solo.name);
  expect((await sessionOf(sam))?.user?.email).toBe(solo.email);
});

test('a one-click link past its expiry shows the expired page and signs nobody in', async ({
  api,
  freshPage,
  baseURL,
}) => {
  // The shortest lifetime the API allows is a minute, and the server clock cannot be moved
  // from here: this test waits for that minute (checking a valid link counts nothing).
  test.slow();
  const url = await emailOneClickLink(await api(ops), { to: solo.email, expiresInMinutes: 1 });
  const holder = anonymousClient(baseURL);
  await expect
    .poll(async () => (await holder.links.previewOneClick(oneClickPartsOf(url))).status, {
      timeout: 75_000,
      intervals: [2_000],
    })
    .toBe('expired');

  const page = await freshPage();
  await page.goto(url);
  await expectRefusedLinkPage(page, 'This link has expired');
  expect(await sessionOf(page)).toBeNull();
});
