import { randomUUID } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import type { SessionResponse } from '@onbehalf/contracts/auth';
import type { Page } from '@playwright/test';
import {
  anonymousClient,
  createLoginToken,
  datetimeLocal,
  expectRefusedLinkPage,
  inHours,
  loginTokenIdOf,
  loginTokenOf,
  loginTokenSecretOf,
  subjectProfileId,
} from '../fixtures/links.ts';
import { ACME, personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Omar Haddad (operator admin, login-tokens:manage) makes the tokens. Every test makes its own
// tokens, so tests run in parallel; the people signed in with them (Ben Brooks, Sam Solo) only
// gain a session. Ben's "Place orders" is toggled by team.spec, so nothing here relies on it.
const { ops, buyer, solo } = personas;

/** Text no other test uses, for the Extra field, so a test finds its own tokens in the list. */
const uniqueExtra = (what: string) => `${what} [${randomUUID()}]`;

/** Opens the "New Login Token" popup on /admin/login-tokens. */
async function openNewLoginToken(page: Page) {
  await page.goto('/admin/login-tokens');
  await expect(page.getByRole('heading', { level: 1, name: 'Login Tokens' })).toBeVisible();
  await page.getByRole('button', { name: 'New Login Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'New Login Token' });
  await expect(dialog.getByRole('button', { name: 'Save' })).toBeVisible();
  return dialog;
}

/** After Save: the popup's success state; returns the login URL it shows once. */
async function readCreatedLoginUrl(dialog: ReturnType<Page['getByRole']>): Promise<string> {
  await expect(
    dialog.getByRole('status').filter({ hasText: 'Login token was successfully created' }),
  ).toBeVisible();
  await expect(dialog.getByText('This URL is shown only once.')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Copy URL' })).toBeVisible();
  const field = dialog.getByRole('textbox', { name: 'Login URL' });
  await expect(field).not.toBeEditable();
  const url = await field.inputValue();
  expect(url).toMatch(/\/login\?token=\d+\.[A-Za-z0-9_-]+$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
  return url;
}

test('an operator creates a one-time login token for a contact in the popup; it signs him in once from a fresh browser, then says it was used, and the details count both attempts', async ({
  page,
  signInAs,
  freshPage,
  api,
}) => {
  const extra = uniqueExtra('Order desk callback');
  const expiresAt = inHours(30);

  await signInAs(page, ops);
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Login Tokens' })
    .click();
  await expect(page).toHaveURL((url) => url.pathname === '/admin/login-tokens');
  const dialog = await openNewLoginToken(page);

  await dialog.getByLabel('Contact or customer').fill('Ben');
  await dialog.getByRole('button', { name: new RegExp(`^${buyer.name} — ${ACME}`) }).click();
  await expect(dialog.getByText(`Selected: ${buyer.name}`)).toBeVisible();
  await expect(dialog.getByRole('checkbox', { name: 'One time use' })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: 'Anonymous user' })).not.toBeChecked();
  await dialog.getByLabel('Expires at').fill(datetimeLocal(expiresAt));
  await dialog.getByRole('textbox', { name: 'Extra' }).fill(extra);
  await dialog.getByRole('button', { name: 'Save' }).click();
  const url = await readCreatedLoginUrl(dialog);
  const tokenId = loginTokenIdOf(url);
  const secret = loginTokenSecretOf(url);

  // What was saved is what the popup was given.
  const { token: saved } = await (await api(ops)).loginTokens.details(tokenId);
  expect(saved).toMatchObject({
    name: buyer.name,
    type: 'Contact',
    organizationName: ACME,
    oneTimeUse: true,
    extra,
    state: 'active',
    successfulAttempts: 0,
    failedAttempts: 0,
  });
  // datetime-local has minute precision: the saved expiry is within that minute.
  expect(Math.abs(Date.parse(saved.expiresAt) - expiresAt.getTime())).toBeLessThan(60_000);

  // Ben, in a browser of his own that is signed in to nothing.
  const ben = await freshPage();
  await ben.goto(url);
  await expect(
    ben.getByRole('heading', { level: 1, name: 'Sign in with a login token' }),
  ).toBeVisible();
  await expect(ben).toHaveURL((u) => u.pathname === '/login' && u.search === '');
  expect(ben.url(), 'the address bar no longer holds the token').not.toContain(secret);
  await expect(
    ben.getByText(/^This link signs you in as Ben Brooks \(.+\) at Acme Corp\.$/),
  ).toBeVisible();
  await expect(ben.locator('strong', { hasText: buyer.name })).toBeVisible();
  await expect(ben.getByText(buyer.email), 'the full address is masked').toHaveCount(0);
  await ben.getByRole('button', { name: 'Continue' }).click();

  await expect(ben).toHaveURL((u) => u.pathname === '/');
  await expect(ben.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(ben.getByRole('banner')).toContainText(buyer.name);
  const signedIn = (await (
    await ben.request.get('/api/public/auth/session')
  ).json()) as SessionResponse;
  expect(signedIn.session).toMatchObject({
    method: 'login_token',
    user: { email: buyer.email },
  });

  // The same URL again, from yet another browser: one time use means it is spent.
  const again = await freshPage();
  await again.goto(url);
  await expectRefusedLinkPage(again, 'This link has already been used');
  expect((await again.request.get('/api/public/auth/session')).status()).toBe(401);

  // The details page counts the success and the refused second attempt.
  await page.goto('/admin/login-tokens');
  const tokens = page.getByRole('table', { name: 'Login tokens' });
  await page.getByLabel('Search login tokens', { exact: true }).fill(extra);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(tokens.getByRole('row').filter({ hasText: extra })).toHaveCount(1);
  await tokens.getByRole('link', { name: `Details for login token ${tokenId}` }).click();

  await expect(page).toHaveURL((u) => u.pathname === `/admin/login-tokens/${tokenId}`);
  await expect(
    page.getByRole('heading', { level: 1, name: `Login token ${tokenId}` }),
  ).toBeVisible();
  await expect(page.getByText('Successful attempts: 1')).toBeVisible();
  await expect(page.getByText('Failed attempts: 1')).toBeVisible();
  const attempts = page.getByRole('table', { name: 'Attempts' });
  await expect(attempts.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(2);
});

test('an anonymous login token made in the popup signs a guest in to the guest view, with no customer’s data', async ({
  page,
  signInAs,
  freshPage,
}) => {
  await signInAs(page, ops);
  const dialog = await openNewLoginToken(page);
  await dialog.getByRole('checkbox', { name: 'Anonymous user' }).check();
  await dialog.getByRole('textbox', { name: 'Extra' }).fill(uniqueExtra('Trade fair visitor'));
  await dialog.getByRole('button', { name: 'Save' }).click();
  const url = await readCreatedLoginUrl(dialog);

  const guest = await freshPage();
  await guest.goto(url);
  await expect(
    guest.getByRole('heading', { level: 1, name: 'Sign in with a login token' }),
  ).toBeVisible();
  await expect(guest.getByText('This link signs you in as a guest.')).toBeVisible();
  await guest.getByRole('button', { name: 'Continue' }).click();

  await expect(guest.getByRole('heading', { level: 1, name: 'Welcome, guest' })).toBeVisible();
  await expect(
    guest.getByText('You are signed in as a guest. Nothing here belongs to a customer account.'),
  ).toBeVisible();
  await expect(guest.getByRole('banner')).toContainText('Guest');
  const nav = guest.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link')).toHaveText(['Dashboard']);
  await expect(guest.getByRole('table', { name: 'Orders' })).toHaveCount(0);
  await expect(guest.getByRole('table', { name: 'Invoices' })).toHaveCount(0);

  // The server agrees: a session with no user, no profile and no permissions.
  const { session } = (await (
    await guest.request.get('/api/public/auth/session')
  ).json()) as SessionResponse;
  expect(session).toMatchObject({ method: 'login_token', user: null, activeProfile: null });
  expect(session.permissions).toEqual([]);
  expect((await guest.request.get('/api/public/orders')).status()).toBeGreaterThanOrEqual(400);
});

test('opening a login URL never redeems it (mail scanners prefetch links): only Continue does', async ({
  api,
  request,
  freshPage,
  baseURL,
}) => {
  const opsApi = await api(ops);
  const created = await createLoginToken(opsApi, {
    subject: { type: 'profile', profileId: await subjectProfileId(opsApi, solo.email) },
    extra: uniqueExtra('Scanner check'),
  });

  // A mail scanner fetches the page, several times.
  for (let i = 0; i < 3; i++) {
    const response = await request.get(created.url);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/html');
  }
  // A browser opens it and shows whose it is, and nobody presses Continue.
  const scanner = await freshPage();
  await scanner.goto(created.url);
  await expect(scanner.getByRole('button', { name: 'Continue' })).toBeVisible();
  await scanner.context().close();

  const { token } = await opsApi.loginTokens.details(created.id);
  expect(token).toMatchObject({ state: 'active', successfulAttempts: 0, failedAttempts: 0 });
  expect(
    (await anonymousClient(baseURL).links.previewLoginToken(loginTokenOf(created.url))).status,
  ).toBe('valid');

  const sam = await freshPage();
  await sam.goto(created.url);
  await expect(sam.getByText(/^This link signs you in as Sam Solo \(/)).toBeVisible();
  await sam.getByRole('button', { name: 'Continue' }).click();
  await expect(sam.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(sam.getByRole('banner')).toContainText(solo.name);
  expect((await opsApi.loginTokens.details(created.id)).token).toMatchObject({
    state: 'used',
    successfulAttempts: 1,
  });
});

test('the login tokens list finds tokens by search text and narrows them by status', async ({
  page,
  signInAs,
  api,
  baseURL,
}) => {
  const marker = uniqueExtra('List filter');
  const opsApi = await api(ops);
  const profileId = await subjectProfileId(opsApi, solo.email);
  const used = await createLoginToken(opsApi, {
    subject: { type: 'profile', profileId },
    extra: `${marker} used`,
  });
  const active = await createLoginToken(opsApi, {
    subject: { type: 'profile', profileId },
    extra: `${marker} active`,
  });
  const redeemed = await anonymousClient(baseURL).links.redeemLoginToken(loginTokenOf(used.url));
  await createApiClient({ baseUrl: baseURL, token: redeemed.token }).auth.signOut();

  await signInAs(page, ops);
  await page.goto('/admin/login-tokens');
  const tokens = page.getByRole('table', { name: 'Login tokens' });
  for (const column of [
    'Name',
    'Type',
    'Expires At',
    'Last Accessed At',
    'Successful Attempts',
    'Failed Attempts',
    'One Time Use',
    'Extra',
  ]) {
    await expect(tokens.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
  }
  const search = page.getByLabel('Search login tokens', { exact: true });
  const status = page.getByRole('combobox', { name: 'Status' });
  const searchButton = page.getByRole('button', { name: 'Search', exact: true });
  const rows = tokens.getByRole('row').filter({ has: page.getByRole('cell') });

  await search.fill(marker);
  await searchButton.click();
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: `${marker} used` })).toContainText(solo.name);
  await expect(rows.filter({ hasText: `${marker} active` })).toContainText(solo.name);

  /** Picks the status and searches again: only this token is left. */
  const expectStatusShowsOnly = async (label: string, id: number, extra: string) => {
    await status.selectOption({ label });
    await searchButton.click();
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(extra);
    await expect(tokens.getByRole('link', { name: `Details for login token ${id}` })).toBeVisible();
  };
  await expectStatusShowsOnly('Used up', used.id, `${marker} used`);
  await expectStatusShowsOnly('Active', active.id, `${marker} active`);

  await status.selectOption({ label: 'All' });
  await search.fill(`${marker} nothing-matches-this`);
  await searchButton.click();
  await expect(rows).toHaveCount(0);
});

test('a login token deleted from its details page is withdrawn: its URL says so', async ({
  page,
  signInAs,
  api,
  freshPage,
}) => {
  const opsApi = await api(ops);
  const created = await createLoginToken(opsApi, {
    subject: { type: 'profile', profileId: await subjectProfileId(opsApi, solo.email) },
    oneTimeUse: false,
    extra: uniqueExtra('To be deleted'),
  });

  await signInAs(page, ops);
  await page.goto(`/admin/login-tokens/${created.id}`);
  await expect(
    page.getByRole('heading', { level: 1, name: `Login token ${created.id}` }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete login token' });
  await dialog.getByRole('button', { name: 'Delete token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Login token deleted.' })).toBeVisible();
  await expect(dialog).toHaveCount(0);
  expect((await opsApi.loginTokens.details(created.id)).token.state).toBe('deleted');

  const holder = await freshPage();
  await holder.goto(created.url);
  await expectRefusedLinkPage(holder, 'This link has been withdrawn');
  expect((await holder.request.get('/api/public/auth/session')).status()).toBe(401);
});

test('a login token past its expiry shows the expired page and signs nobody in', async ({
  api,
  freshPage,
  baseURL,
}) => {
  const opsApi = await api(ops);
  const created = await createLoginToken(opsApi, {
    subject: { type: 'profile', profileId: await subjectProfileId(opsApi, solo.email) },
    expiresAt: new Date(Date.now() + 3_000),
    extra: uniqueExtra('Expires at once'),
  });
  // Wait for the server to call it expired (checking a valid token counts nothing).
  const holder = anonymousClient(baseURL);
  await expect
    .poll(async () => (await holder.links.previewLoginToken(loginTokenOf(created.url))).status, {
      timeout: 15_000,
      intervals: [500, 1_000],
    })
    .toBe('expired');

  const page = await freshPage();
  await page.goto(created.url);
  await expectRefusedLinkPage(page, 'This link has expired');
  expect((await page.request.get('/api/public/auth/session')).status()).toBe(401);
  expect((await opsApi.loginTokens.details(created.id)).token).toMatchObject({
    state: 'expired',
    successfulAttempts: 0,
  });
});
