import { randomUUID } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import type { SessionResponse } from '@onbehalf/contracts/auth';
import type { Locator, Page } from '@playwright/test';
import { bannerSentence, browserSession } from '../fixtures/impersonate.ts';
import {
  anonymousClient,
  datetimeLocal,
  emailLoginToken,
  expectRefusedLinkPage,
  inHours,
  loginTokenIdOf,
  loginTokenOf,
  loginTokenSecretOf,
  mailedLoginToken,
  subjectProfileId,
} from '../fixtures/links.ts';
import { ACME, personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Omar Haddad (operator admin, login-tokens:manage) makes the tokens. Every test makes its own
// tokens, so tests run in parallel; the people signed in with them (Ben Brooks, Sam Solo) only
// gain a session, and Omar only starts and leaves impersonations of Ben. Tokens emailed to
// them are read from the outbox by their id. Ben's "Place orders" is toggled by team.spec, so
// nothing here relies on it.
const { ops, buyer, solo, admin } = personas;

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

/** Picks the contact in the popup by a search for their first name. */
async function chooseContact(dialog: Locator, search: string, name: string) {
  await dialog.getByLabel('Contact or customer').fill(search);
  await dialog.getByRole('button', { name: new RegExp(`^${name} — ${ACME}`) }).click();
  await expect(dialog.getByText(`Selected: ${name}`)).toBeVisible();
}

/** The "Who will use it?" question of the popup. */
const whoWillUseIt = (dialog: Locator) => dialog.getByRole('group', { name: 'Who will use it?' });

/** The session a browser is in, or null. */
async function sessionOf(page: Page) {
  const response = await page.request.get('/api/public/auth/session');
  return response.status() === 200 ? ((await response.json()) as SessionResponse).session : null;
}

/** After Save: the popup's success state; returns the login URL it shows once. */
async function readCreatedLoginUrl(dialog: Locator): Promise<string> {
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

test('an operator makes a one-time login token in the popup for the customer to use: it is emailed to him (the popup says where, never the URL), signs him in once from a fresh browser, then says it was used, and the details count both attempts', async ({
  page,
  signInAs,
  freshPage,
  api,
}) => {
  const extra = uniqueExtra('Order desk callback');
  const expiresAt = inHours(30);
  const opsApi = await api(ops);

  await signInAs(page, ops);
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Login Tokens' })
    .click();
  await expect(page).toHaveURL((url) => url.pathname === '/admin/login-tokens');
  const dialog = await openNewLoginToken(page);

  await chooseContact(dialog, 'Ben', buyer.name);
  await expect(dialog.getByRole('checkbox', { name: 'One time use' })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: 'Anonymous user' })).not.toBeChecked();
  // Asked, not assumed: three answers, each saying what it makes.
  const who = whoWillUseIt(dialog);
  await expect(who.getByRole('radio')).toHaveCount(3);
  await expect(who.getByRole('radio', { checked: true })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Choose who will use it.');
  const customer = who.getByRole('radio', { name: 'The customer' });
  await expect(customer).toHaveAccessibleDescription(/We email the login URL to them/);
  await customer.check();
  await dialog.getByLabel('Expires at').fill(datetimeLocal(expiresAt));
  await dialog.getByRole('textbox', { name: 'Extra' }).fill(extra);
  await dialog.getByRole('button', { name: 'Save' }).click();

  await expect(
    dialog.getByRole('status').filter({ hasText: 'Login token was successfully created' }),
  ).toBeVisible();
  const sentence = dialog.getByText(/^Login token \d+ was sent to b•••@acme\.test\./);
  await expect(sentence).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Login URL' })).toHaveCount(0);
  await expect(dialog).not.toContainText('token=');
  const tokenId = Number(/Login token (\d+)/.exec((await sentence.textContent()) ?? '')?.[1]);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);

  // The mail arrives in Ben's mailbox (the outbox here) with the URL.
  const url = await mailedLoginToken(opsApi, buyer.email, tokenId);
  expect(loginTokenIdOf(url)).toBe(tokenId);
  const secret = loginTokenSecretOf(url);

  // What was saved is what the popup was given.
  const { token: saved } = await opsApi.loginTokens.details(tokenId);
  expect(saved).toMatchObject({
    name: buyer.name,
    type: 'Contact',
    organizationName: ACME,
    oneTimeUse: true,
    extra,
    use: 'email',
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
  const signedIn = await sessionOf(ben);
  expect(signedIn).toMatchObject({ method: 'login_token', user: { email: buyer.email } });
  expect(signedIn?.actor, 'his own session: nobody acts as him').toBeUndefined();
  expect(signedIn?.via, 'his own session: no integration’s').toBeUndefined();

  // The same URL again, from yet another browser: one time use means it is spent.
  const again = await freshPage();
  await again.goto(url);
  await expectRefusedLinkPage(again, 'This link has already been used');
  expect(await sessionOf(again)).toBeNull();

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
  await expect(page.getByText('The customer (emailed to them)')).toBeVisible();
  await expect(page.getByText('Successful attempts: 1')).toBeVisible();
  await expect(page.getByText('Failed attempts: 1')).toBeVisible();
  const attempts = page.getByRole('table', { name: 'Attempts' });
  await expect(attempts.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(2);
});

test('an operator makes a login token in the popup for himself, for support: a fresh browser and the customer himself are refused it, and it opens for its maker only, as an impersonation with the banner', async ({
  page,
  signInAs,
  freshPage,
  pageAs,
  baseURL,
}) => {
  const reason = uniqueExtra('Basket shows the wrong prices');
  await signInAs(page, ops);
  const dialog = await openNewLoginToken(page);
  await chooseContact(dialog, 'Ben', buyer.name);
  const support = whoWillUseIt(dialog).getByRole('radio', { name: 'Me, for support' });
  await expect(support).toHaveAccessibleDescription(/It is an impersonation/);
  await support.check();
  // An impersonation needs a reason: asked before anything is made.
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Give a reason of at least 3 characters.')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('textbox', { name: 'Ticket reference' }).fill('SUP-77');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(
    dialog.getByText('Only you can open it, while you are signed in as yourself'),
  ).toBeVisible();
  const url = await readCreatedLoginUrl(dialog);

  // Someone else's browser, signed in to nothing: it says whose way in this is, and offers no
  // Continue; the server refuses it to anyone but its maker, signed in.
  const stranger = await freshPage();
  await stranger.goto(url);
  await expect(
    stranger.getByText(
      `This link signs its maker, ${ops.name} (support admin), in as ${buyer.name}`,
      { exact: false },
    ),
  ).toBeVisible();
  await expect(
    stranger.getByText(`Only ${ops.name} can open it, while signed in as themselves.`),
  ).toBeVisible();
  await expect(stranger.getByRole('button', { name: 'Continue' })).toHaveCount(0);
  await expect(
    anonymousClient(baseURL).links.redeemLoginToken(loginTokenOf(url)),
  ).rejects.toMatchObject({ status: 403, code: 'handover_not_yours' });
  expect(await sessionOf(stranger)).toBeNull();

  // Ben himself, signed in: Continue is refused, and he stays himself.
  const ben = await pageAs(buyer);
  await ben.goto(url);
  await ben.getByRole('button', { name: 'Continue' }).click();
  await expect(ben.getByRole('alert')).toContainText(
    'Only the person who made this link can use it, signed in as themselves.',
  );
  expect((await sessionOf(ben))?.actor).toBeUndefined();

  // Its maker, signed in as himself: Continue starts the impersonation.
  await page.goto(url);
  await expect(
    page.getByRole('status').filter({ hasText: `You are signed in as ${ops.name}.` }),
  ).toContainText('Continue starts the impersonation');
  await page.getByRole('button', { name: 'Continue' }).click();
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(buyer.name, ACME, ops.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  expect((await browserSession(page)).actor).toMatchObject({
    user: { email: ops.email },
    door: 'operator',
    reason,
  });

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  expect((await browserSession(page)).user?.email).toBe(ops.email);
});

test('an operator makes a login token in the popup for an integration: never for a team admin, and for a member it signs in from a fresh browser a session that cannot change his password', async ({
  page,
  signInAs,
  freshPage,
  baseURL,
}) => {
  const extra = uniqueExtra('OCI punch-out');
  await signInAs(page, ops);
  const dialog = await openNewLoginToken(page);
  const integration = whoWillUseIt(dialog).getByRole('radio', {
    name: 'An integration (e.g. OCI punch-out)',
  });

  // A team admin: the server refuses, and the popup says why.
  await chooseContact(dialog, 'Adam', admin.name);
  await integration.check();
  await expect(integration).toHaveAccessibleDescription(/never for admins or owners/);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'Integrations may sign in only members without team rights',
  );

  await chooseContact(dialog, 'Ben', buyer.name);
  await dialog.getByRole('textbox', { name: 'Extra' }).fill(extra);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Give it to the integration only.')).toBeVisible();
  const url = await readCreatedLoginUrl(dialog);

  // The punch-out gateway: a browser nobody is signed in to.
  const gateway = await freshPage();
  await gateway.goto(url);
  await expect(gateway.getByText(/^This link signs you in as Ben Brooks \(/)).toBeVisible();
  await gateway.getByRole('button', { name: 'Continue' }).click();
  await expect(gateway.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(gateway.getByRole('banner')).toContainText(buyer.name);
  await expect(gateway.getByRole('region', { name: 'Impersonation', exact: true })).toHaveCount(0);
  const session = await sessionOf(gateway);
  expect(session).toMatchObject({
    user: { email: buyer.email },
    via: { kind: 'login_token', name: extra, maker: { name: ops.name } },
  });

  // Its Account page does not offer the password change, and the server refuses it.
  await gateway
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Account' })
    .click();
  const password = gateway.getByRole('region', { name: 'Password' });
  await expect(password).toContainText('Not available here: an integration signed you in.');
  await expect(gateway.getByRole('button', { name: 'Change password' })).toHaveCount(0);
  const refused = await gateway.request.put('/api/public/account/password', {
    data: { currentPassword: buyer.password, newPassword: 'an-integration-must-not' },
    headers: { Origin: new URL(baseURL ?? '').origin, 'Sec-Fetch-Site': 'same-origin' },
  });
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
    'integration_restricted',
  );
});

test('an anonymous login token made in the popup signs a guest in to the guest view, with no customer’s data', async ({
  page,
  signInAs,
  freshPage,
}) => {
  await signInAs(page, ops);
  const dialog = await openNewLoginToken(page);
  await dialog.getByRole('checkbox', { name: 'Anonymous user' }).check();
  // A guest is nobody in particular: there is no one to ask about.
  await expect(whoWillUseIt(dialog)).toHaveCount(0);
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
  const created = await emailLoginToken(opsApi, {
    to: solo.email,
    profileId: await subjectProfileId(opsApi, solo.email),
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
  const used = await emailLoginToken(opsApi, {
    to: solo.email,
    profileId,
    extra: `${marker} used`,
  });
  const active = await emailLoginToken(opsApi, {
    to: solo.email,
    profileId,
    extra: `${marker} active`,
  });
  const redeemed = await anonymousClient(baseURL).links.redeemLoginToken(loginTokenOf(used.url));
  expect(redeemed.token, 'an API client gets its session token').toBeTruthy();
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
  const created = await emailLoginToken(opsApi, {
    to: solo.email,
    profileId: await subjectProfileId(opsApi, solo.email),
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
  const created = await emailLoginToken(opsApi, {
    to: solo.email,
    profileId: await subjectProfileId(opsApi, solo.email),
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
