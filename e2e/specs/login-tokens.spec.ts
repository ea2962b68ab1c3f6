import type { ApiError } from '@onbehalf/api-client/api-error';
import type { TestPersona } from '@onbehalf/testing';
import type { Locator, Page } from '@playwright/test';
import { bannerSentence } from '../fixtures/impersonate.ts';
import {
  datetimeLocal,
  expectRefusedLinkPage,
  LOGIN_URL,
  loginTokenIdOf,
  loginTokenOf,
  loginTokenSecretOf,
  signsYouInAs,
  urlIn,
} from '../fixtures/links.ts';
import { expect, test } from '../fixtures/test.ts';

// An operator admin (login-tokens:manage) of each test's own makes the tokens, for the people
// of the test's own organization.

/** Opens the "New Login Token" popup on /admin/login-tokens. */
async function openNewLoginToken(page: Page) {
  await page.goto('/admin/login-tokens');
  await expect(page.getByRole('heading', { level: 1, name: 'Login Tokens' })).toBeVisible();
  await page.getByRole('button', { name: 'New Login Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'New Login Token' });
  await expect(dialog.getByRole('button', { name: 'Save' })).toBeVisible();
  return dialog;
}

/** Picks the contact in the popup by a search for their address (names repeat elsewhere). */
async function chooseContact(dialog: Locator, person: TestPersona, organization: string) {
  await dialog.getByLabel('Contact or customer').fill(person.email);
  await dialog
    .getByRole('button', { name: new RegExp(`^${person.name} — ${organization}`) })
    .click();
  await expect(dialog.getByText(`Selected: ${person.name}`)).toBeVisible();
}

/** The "Who will use it?" question of the popup. */
const whoWillUseIt = (dialog: Locator) => dialog.getByRole('group', { name: 'Who will use it?' });

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
  org,
  operator,
  signIn,
  newPage,
  api,
  mailbox,
  sessionOf,
}) => {
  const customer = org.members[0];
  const extra = 'Order desk callback';
  const expiresAt = new Date(Date.now() + 30 * 3_600_000);
  const ops = await operator('admin');
  const opsApi = await api(ops);

  await signIn(page, ops);
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Login Tokens' })
    .click();
  await expect(page).toHaveURL((url) => url.pathname === '/admin/login-tokens');
  const dialog = await openNewLoginToken(page);

  await chooseContact(dialog, customer, org.name);
  await expect(dialog.getByRole('checkbox', { name: 'One time use' })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: 'Anonymous user' })).not.toBeChecked();
  // Asked, not assumed: three answers, each saying what it makes.
  const who = whoWillUseIt(dialog);
  await expect(who.getByRole('radio')).toHaveCount(3);
  await expect(who.getByRole('radio', { checked: true })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Choose who will use it.');
  const theCustomer = who.getByRole('radio', { name: 'The customer' });
  await expect(theCustomer).toHaveAccessibleDescription(/We email the login URL to them/);
  await theCustomer.check();
  await dialog.getByLabel('Expires at').fill(datetimeLocal(expiresAt));
  await dialog.getByRole('textbox', { name: 'Extra' }).fill(extra);
  await dialog.getByRole('button', { name: 'Save' }).click();

  await expect(
    dialog.getByRole('status').filter({ hasText: 'Login token was successfully created' }),
  ).toBeVisible();
  const sentence = dialog.getByText(/^Login token \d+ was sent to m•••@example\.test\./);
  await expect(sentence).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Login URL' })).toHaveCount(0);
  await expect(dialog).not.toContainText('token=');
  const tokenId = Number(/Login token (\d+)/.exec((await sentence.textContent()) ?? '')?.[1]);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);

  // The mail arrives in the customer's mailbox with the URL.
  const url = urlIn((await mailbox.latest(customer.email)).text, LOGIN_URL);
  expect(loginTokenIdOf(url)).toBe(tokenId);
  const secret = loginTokenSecretOf(url);

  // What was saved is what the popup was given.
  const { token: saved } = await opsApi.loginTokens.details(tokenId);
  expect(saved).toMatchObject({
    name: customer.name,
    type: 'Contact',
    organizationName: org.name,
    oneTimeUse: true,
    extra,
    use: 'email',
    state: 'active',
    successfulAttempts: 0,
    failedAttempts: 0,
  });
  // datetime-local has minute precision: the saved expiry is within that minute.
  expect(Math.abs(Date.parse(saved.expiresAt) - expiresAt.getTime())).toBeLessThan(60_000);

  // The customer, in a browser of his own that is signed in to nothing.
  const ben = await newPage();
  await ben.goto(url);
  await expect(
    ben.getByRole('heading', { level: 1, name: 'Sign in with a login token' }),
  ).toBeVisible();
  await expect(ben).toHaveURL((u) => u.pathname === '/login' && u.search === '');
  expect(ben.url(), 'the address bar no longer holds the token').not.toContain(secret);
  await expect(ben.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
  await expect(ben.locator('strong', { hasText: customer.name })).toBeVisible();
  await expect(ben.getByText(customer.email), 'the full address is masked').toHaveCount(0);
  await ben.getByRole('button', { name: 'Continue' }).click();

  await expect(ben).toHaveURL((u) => u.pathname === '/');
  await expect(ben.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(ben.getByRole('banner')).toContainText(customer.name);
  const signedIn = await sessionOf(ben);
  expect(signedIn).toMatchObject({ method: 'login_token', user: { email: customer.email } });
  expect(signedIn?.actor, 'his own session: nobody acts as him').toBeUndefined();
  expect(signedIn?.via, 'his own session: no integration’s').toBeUndefined();

  // The same URL again, from yet another browser: one time use means it is spent.
  const again = await newPage();
  await again.goto(url);
  await expectRefusedLinkPage(again, 'This link has already been used');
  expect(await sessionOf(again)).toBeNull();

  // The details page counts the success and the refused second attempt.
  await page.goto('/admin/login-tokens');
  const tokens = page.getByRole('table', { name: 'Login tokens' });
  await page.getByLabel('Search login tokens', { exact: true }).fill(org.name);
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
  org,
  operator,
  signIn,
  newPage,
  api,
  pageApi,
  sessionOf,
}) => {
  const customer = org.members[0];
  const reason = 'Basket shows the wrong prices';
  const ops = await operator('admin');
  await signIn(page, ops);
  const dialog = await openNewLoginToken(page);
  await chooseContact(dialog, customer, org.name);
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

  // Someone else's browser, signed in to nothing: it says this is an agent's way in, names
  // nobody, and offers no Continue; the server refuses it to anyone but its maker, signed in.
  const stranger = await newPage();
  await stranger.goto(url);
  await expect(
    stranger.getByText(
      'This is a support agent’s sign-in link. Only the agent who made it can open it, while signed in as themselves.',
    ),
  ).toBeVisible();
  await expect(stranger.getByText(customer.name)).toHaveCount(0);
  await expect(stranger.getByText(ops.name)).toHaveCount(0);
  await expect(stranger.getByRole('button', { name: 'Continue' })).toHaveCount(0);
  await expect((await api()).links.redeemLoginToken(loginTokenOf(url))).rejects.toMatchObject({
    status: 403,
    code: 'handover_not_yours',
  });
  expect(await sessionOf(stranger)).toBeNull();

  // The customer himself, signed in: told it is not his to open, and the server agrees; he
  // stays himself.
  const ben = await newPage(customer);
  await ben.goto(url);
  await expect(
    ben
      .getByRole('status')
      .filter({ hasText: `You are signed in as ${customer.name}, who did not make this link.` }),
  ).toBeVisible();
  await expect(ben.getByRole('button', { name: 'Continue' })).toHaveCount(0);
  await expect(pageApi(ben).links.redeemLoginToken(loginTokenOf(url))).rejects.toMatchObject({
    status: 403,
    code: 'handover_not_yours',
  });
  expect(await sessionOf(ben)).toMatchObject({ user: { email: customer.email } });
  expect((await sessionOf(ben))?.actor).toBeUndefined();

  // Its maker, signed in as himself: the page names both, and Continue starts the
  // impersonation.
  await page.goto(url);
  await expect(
    page.getByText(
      `This link signs its maker, ${ops.name} (support admin), in as ${customer.name}`,
      { exact: false },
    ),
  ).toBeVisible();
  await expect(
    page.getByRole('status').filter({ hasText: `You are signed in as ${ops.name}.` }),
  ).toContainText('Continue starts the impersonation');
  await page.getByRole('button', { name: 'Continue' }).click();
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(customer.name, org.name, ops.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  expect((await sessionOf(page))?.actor).toMatchObject({
    user: { email: ops.email },
    door: 'operator',
    reason,
  });

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  expect((await sessionOf(page))?.user?.email).toBe(ops.email);
});

test.describe('for an integration', () => {
  // Credentials for integrations are off unless the organization switches them on.
  test.use({ organization: { integrations: true } });

  test('an operator makes a login token in the popup for an integration: never for a team admin, and for a member it signs in from a fresh browser a session that cannot change his password', async ({
    page,
    org,
    operator,
    signIn,
    newPage,
    pageApi,
    sessionOf,
  }) => {
    const customer = org.members[0];
    const extra = 'OCI punch-out';
    const ops = await operator('admin');
    await signIn(page, ops);
    const dialog = await openNewLoginToken(page);
    const integration = whoWillUseIt(dialog).getByRole('radio', {
      name: 'An integration (e.g. OCI punch-out)',
    });

    // A team admin: the server refuses, and the popup says why.
    await chooseContact(dialog, org.admin, org.name);
    await integration.check();
    await expect(integration).toHaveAccessibleDescription(/never for admins or owners/);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByRole('alert')).toContainText(
      'Integrations may sign in only members without team rights',
    );

    await chooseContact(dialog, customer, org.name);
    await dialog.getByRole('textbox', { name: 'Extra' }).fill(extra);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByText('Give it to the integration only.')).toBeVisible();
    const url = await readCreatedLoginUrl(dialog);

    // The punch-out gateway: a browser nobody is signed in to.
    const gateway = await newPage();
    await gateway.goto(url);
    await expect(gateway.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
    await gateway.getByRole('button', { name: 'Continue' }).click();
    await expect(gateway.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(gateway.getByRole('banner')).toContainText(customer.name);
    await expect(gateway.getByRole('region', { name: 'Impersonation', exact: true })).toHaveCount(
      0,
    );
    expect(await sessionOf(gateway)).toMatchObject({
      user: { email: customer.email },
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
    await expect(
      pageApi(gateway).account.changePassword({
        currentPassword: customer.password,
        newPassword: 'an-integration-must-not',
      }),
    ).rejects.toMatchObject({ status: 403, code: 'integration_restricted' });
  });
});

test('an anonymous login token made in the popup signs a guest in to the guest view, with no customer’s data', async ({
  page,
  operator,
  signIn,
  newPage,
  pageApi,
  sessionOf,
}) => {
  await signIn(page, await operator('admin'));
  const dialog = await openNewLoginToken(page);
  await dialog.getByRole('checkbox', { name: 'Anonymous user' }).check();
  // A guest is nobody in particular: there is no one to ask about.
  await expect(whoWillUseIt(dialog)).toHaveCount(0);
  await dialog.getByRole('textbox', { name: 'Extra' }).fill('Trade fair visitor');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const url = await readCreatedLoginUrl(dialog);

  const guest = await newPage();
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
  const session = await sessionOf(guest);
  expect(session).toMatchObject({ method: 'login_token', user: null, activeProfile: null });
  expect(session?.permissions).toEqual([]);
  const refused = await pageApi(guest)
    .orders.list()
    .then(
      () => null,
      (error: ApiError) => error,
    );
  expect(refused?.status, 'a guest may not list orders').toBeGreaterThanOrEqual(400);
});

test('opening a login URL never redeems it (mail scanners prefetch links): only Continue does', async ({
  org,
  operator,
  api,
  request,
  newPage,
  emailLoginToken,
}) => {
  const customer = org.members[0];
  const ops = await operator('admin');
  const opsApi = await api(ops);
  const created = await emailLoginToken(customer, { by: ops, extra: 'Scanner check' });

  // A mail scanner fetches the page, several times.
  for (let i = 0; i < 3; i++) {
    const response = await request.get(created.url);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/html');
  }
  // A browser opens it and shows whose it is, and nobody presses Continue.
  const scanner = await newPage();
  await scanner.goto(created.url);
  await expect(scanner.getByRole('button', { name: 'Continue' })).toBeVisible();
  await scanner.context().close();

  const { token } = await opsApi.loginTokens.details(created.id);
  expect(token).toMatchObject({ state: 'active', successfulAttempts: 0, failedAttempts: 0 });
  expect((await (await api()).links.previewLoginToken(loginTokenOf(created.url))).status).toBe(
    'valid',
  );

  const person = await newPage();
  await person.goto(created.url);
  await expect(person.getByText(signsYouInAs(customer.name, org.name))).toBeVisible();
  await person.getByRole('button', { name: 'Continue' }).click();
  await expect(person.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(person.getByRole('banner')).toContainText(customer.name);
  expect((await opsApi.loginTokens.details(created.id)).token).toMatchObject({
    state: 'used',
    successfulAttempts: 1,
  });
});

test('the login tokens list finds tokens by search text and narrows them by status', async ({
  page,
  org,
  operator,
  signIn,
  api,
  emailLoginToken,
}) => {
  const [first, second] = org.members;
  const ops = await operator('admin');
  const used = await emailLoginToken(first, { by: ops, extra: 'List filter: used' });
  const active = await emailLoginToken(second, { by: ops, extra: 'List filter: active' });
  const { token } = await (await api()).links.redeemLoginToken(loginTokenOf(used.url));
  if (!token) throw new Error('An API client got no session token for a login token.');
  await (await api({ token })).auth.signOut();

  await signIn(page, ops);
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

  // The organization's name finds this test's tokens, and only them.
  await search.fill(org.name);
  await searchButton.click();
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'List filter: used' })).toContainText(first.name);
  await expect(rows.filter({ hasText: 'List filter: active' })).toContainText(second.name);

  /** Picks the status and searches again: only this token is left. */
  const expectStatusShowsOnly = async (label: string, id: number, extra: string) => {
    await status.selectOption({ label });
    await searchButton.click();
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText(extra);
    await expect(tokens.getByRole('link', { name: `Details for login token ${id}` })).toBeVisible();
  };
  await expectStatusShowsOnly('Used up', used.id, 'List filter: used');
  await expectStatusShowsOnly('Active', active.id, 'List filter: active');

  await status.selectOption({ label: 'All' });
  await search.fill(`${org.name} nothing-matches-this`);
  await searchButton.click();
  await expect(rows).toHaveCount(0);
});

test('a login token deleted from its details page is withdrawn: its URL says so', async ({
  page,
  org,
  operator,
  signIn,
  api,
  newPage,
  sessionOf,
  emailLoginToken,
}) => {
  const ops = await operator('admin');
  const created = await emailLoginToken(org.members[0], {
    by: ops,
    oneTimeUse: false,
    extra: 'To be deleted',
  });

  await signIn(page, ops);
  await page.goto(`/admin/login-tokens/${created.id}`);
  await expect(
    page.getByRole('heading', { level: 1, name: `Login token ${created.id}` }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete login token' });
  await dialog.getByRole('button', { name: 'Delete token' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Login token deleted.' })).toBeVisible();
  await expect(dialog).toHaveCount(0);
  expect((await (await api(ops)).loginTokens.details(created.id)).token.state).toBe('deleted');

  const holder = await newPage();
  await holder.goto(created.url);
  await expectRefusedLinkPage(holder, 'This link has been withdrawn');
  expect(await sessionOf(holder)).toBeNull();
});

test('a login token past its expiry shows the expired page and signs nobody in', async ({
  org,
  operator,
  api,
  newPage,
  clock,
  sessionOf,
  emailLoginToken,
}) => {
  const ops = await operator('admin');
  const inAnHour = new Date((await clock.now()).getTime() + 3_600_000);
  const created = await emailLoginToken(org.members[0], {
    by: ops,
    expiresAt: inAnHour,
    extra: 'Expires in an hour',
  });
  const holder = await api();
  const preview = () => holder.links.previewLoginToken(loginTokenOf(created.url));
  expect((await preview()).status).toBe('valid');

  // Checking a valid token counts nothing; an hour later, the server calls it expired.
  await clock.advance(61 * 60_000);
  expect((await preview()).status).toBe('expired');

  const page = await newPage();
  await page.goto(created.url);
  await expectRefusedLinkPage(page, 'This link has expired');
  expect(await sessionOf(page)).toBeNull();
  expect((await (await api(ops)).loginTokens.details(created.id)).token).toMatchObject({
    state: 'expired',
    successfulAttempts: 0,
  });
});
