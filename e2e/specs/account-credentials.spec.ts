import type { KitFixtures } from '@onbehalf/testing';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import { expectRefusedLinkPage, loginTokenOf } from '../fixtures/links.ts';
import { expect, test } from '../fixtures/test.ts';

// A punch-out token is for an integration, which the organization must allow.
test.use({ organization: { integrations: true } });

test('a customer sees the sign-in links and tokens made for him under Account, who made them, for whom and why, and revokes one, which then no longer works', async ({
  org,
  operator,
  api,
  newPage,
  createLoginToken,
}) => {
  const customer = org.members[0];
  const ops = await operator('admin');
  const supportName = 'Support token';
  const punchOutName = 'Punch-out';
  const reason = 'Checking the invoice view';
  const subject = { type: 'profile', profileId: customer.profileId } as const;
  await createLoginToken(ops, { subject, use: 'support', reason, extra: supportName });
  const punchOut = await createLoginToken(ops, {
    subject,
    use: 'integration',
    oneTimeUse: false,
    extra: punchOutName,
  });
  // The integration has signed the customer in once already, and that session is still open.
  const opened = await (await api()).links.redeemLoginToken(loginTokenOf(punchOut.url));
  expect(opened.session.via?.name).toBe(punchOutName);
  if (!opened.token) throw new Error('An API client got no session token for a login token.');
  const integrationSession = await api({ token: opened.token });
  expect((await integrationSession.auth.session()).session.user?.email).toBe(customer.email);
  // And he asked for a sign-in link by email himself, which is his own to hold.
  await (await api()).links.requestEmailLink(customer.email);

  const page = await newPage(customer);
  await page.goto('/account');
  await expect(
    page.getByRole('heading', { level: 2, name: 'Sign-in links and tokens made for you' }),
  ).toBeVisible();
  const made = page.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  const supportRow = made.getByRole('row').filter({ hasText: supportName });
  await expect(supportRow).toContainText(`${ops.name} (support admin)`);
  await expect(supportRow).toContainText('For its maker, to sign in as you (support)');
  await expect(supportRow).toContainText(reason);
  await expect(supportRow).toContainText('Not used yet (works once)');
  const punchOutRow = made.getByRole('row').filter({ hasText: punchOutName });
  await expect(punchOutRow).toContainText(`${ops.name} (support admin)`);
  await expect(punchOutRow).toContainText('For an integration');
  await expect(punchOutRow).toContainText('Used once');
  const emailedRow = made.getByRole('row').filter({ hasText: 'Sign-in link sent by email' });
  await expect(emailedRow).toContainText('For you, sent by email');
  await expectNoSeriousA11yViolations(page, '/account with sign-in links and tokens made for you');

  // Only those others hold, kept in the address across a reload.
  await page
    .getByRole('combobox', { name: 'Show' })
    .selectOption({ label: 'Held by others (support, integrations)' });
  await expect(emailedRow).toHaveCount(0);
  await expect(supportRow).toBeVisible();
  await expect(punchOutRow).toBeVisible();
  await expect(page).toHaveURL(/[?&]credentials=others\b/);
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Show' })).toHaveValue('others');
  await expect(supportRow).toBeVisible();
  await expect(emailedRow).toHaveCount(0);

  await punchOutRow.getByRole('button', { name: `Revoke ${punchOutName}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke login token' });
  await expect(dialog).toContainText(`${punchOutName}, made by ${ops.name} (support admin)`);
  await dialog.getByRole('button', { name: 'Revoke login token' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: `${punchOutName} was revoked: it no longer works.` }),
  ).toBeVisible();
  await expect(punchOutRow).toHaveCount(0);
  await expect(supportRow).toBeVisible();
  // The access history keeps the integration, grouped, with its use and its end.
  const integrations = page.getByRole('table', { name: 'Integrations' });
  const integrationRow = integrations.getByRole('row').filter({ hasText: punchOutName });
  await expect(integrationRow).toContainText('Revoked');
  await expect(integrationRow).toContainText(`${ops.name} (support admin)`);

  // It no longer works: its URL says so, and the session it had opened is over.
  const gateway = await newPage();
  await gateway.goto(punchOut.url);
  await expectRefusedLinkPage(gateway, 'This link has been withdrawn');
  await expect(integrationSession.auth.session()).rejects.toMatchObject({ status: 401 });
  expect((await (await api(ops)).loginTokens.details(punchOut.id)).token).toMatchObject({
    state: 'deleted',
    endedReason: 'revoked_by_user',
  });
});

test('an operator who opens a punch-out link in the backoffice browser is told it is for the integration, and it stays unused', async ({
  org,
  operator,
  newPage,
  createLoginToken,
  api,
}) => {
  const customer = org.members[0];
  const ops = await operator('admin');
  const punchOut = await createLoginToken(ops, {
    subject: { type: 'profile', profileId: customer.profileId },
    use: 'integration',
    extra: 'Punch-out',
  });

  const page = await newPage(ops);
  await page.goto(punchOut.url);
  await expect(page.getByRole('alert')).toContainText(
    'This link is for the integration it was made for, not for staff signed in to the backoffice.',
  );
  await expect(page.getByRole('button', { name: 'Continue' })).toHaveCount(0);
  // The server says the same to whoever sends it anyway.
  const sent = (await api(ops)).links.redeemLoginToken(loginTokenOf(punchOut.url));
  await expect(sent).rejects.toMatchObject({ status: 403, code: 'integration_not_for_staff' });

  // The system it was made for still signs the customer in with it.
  const opened = await (await api()).links.redeemLoginToken(loginTokenOf(punchOut.url));
  expect(opened.session.user?.email).toBe(customer.email);
});

test('a team admin who opens a coworker’s punch-out link in their signed-in browser is told it is not theirs, and it stays unused', async ({
  org,
  operator,
  newPage,
  createLoginToken,
  api,
}) => {
  const customer = org.members[0];
  const punchOut = await createLoginToken(await operator('admin'), {
    subject: { type: 'profile', profileId: customer.profileId },
    use: 'integration',
    extra: 'Punch-out',
  });

  const page = await newPage(org.admin);
  await page.goto(punchOut.url);
  await expect(page.getByRole('alert')).toContainText(
    `in its own person’s browser, and you are signed in as ${org.admin.name}`,
  );
  await expect(page.getByRole('button', { name: 'Continue' })).toHaveCount(0);
  await expectNoSeriousA11yViolations(page, '/login?token= (a coworker’s punch-out)');
  const sent = (await api(org.admin)).links.redeemLoginToken(loginTokenOf(punchOut.url));
  await expect(sent).rejects.toMatchObject({ status: 403, code: 'integration_not_for_you' });

  // The customer's own browser opens it.
  const own = await newPage(customer);
  await own.goto(punchOut.url);
  await own.getByRole('button', { name: 'Continue' }).click();
  await expect(own.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(own.getByRole('banner')).toContainText(customer.name);
});

/** A member who asked for a sign-in link by email, on Account: the table and the link's row. */
async function memberWithEmailedLink({
  org,
  api,
  newPage,
}: Pick<KitFixtures, 'org' | 'api' | 'newPage'>) {
  const member = org.members[0];
  await (await api()).links.requestEmailLink(member.email);
  const page = await newPage(member);
  await page.goto('/account');
  const made = page.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  const emailed = made.getByRole('row').filter({ hasText: 'Sign-in link sent by email' });
  await expect(emailed).toHaveCount(1);
  return { member, page, emailed };
}

// SPEC §4b: "Every credential made for a user dies when that user's password changes". After
// the change the list went on showing the ones the server had just ended, as still working,
// until the page was left or the window refocused (a review).
test('after changing her password, the Account page no longer lists the sign-in links the change ended as still working', async ({
  org,
  api,
  newPage,
  pageApi,
}) => {
  const { member, page, emailed } = await memberWithEmailedLink({ org, api, newPage });
  const password = page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill(member.password);
  await password.getByLabel('New password').fill('a-brand-new-password-42');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(
    page.getByText('Password changed. Your other sessions were signed out.'),
  ).toBeVisible();
  // The server ended it: it is no longer among those made for her that still work.
  expect((await pageApi(page).account.credentials({ limit: 50 })).credentials).toHaveLength(0);
  await expect(emailed, 'a link the password change ended, still listed as working').toHaveCount(0);
});

// WCAG 2.4.3 (focus order): when the dialog's act removed the button that opened it (a revoked
// credential's row), focus fell to the document's body: a keyboard or screen-reader user was
// thrown to the top of the page, with nothing said where they are (a review).
test('after revoking a sign-in link from Account, keyboard focus stays in the page, not on the body', async ({
  org,
  api,
  newPage,
}) => {
  const { page, emailed } = await memberWithEmailedLink({ org, api, newPage });
  await emailed.getByRole('button', { name: /^Revoke / }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Revoke sign-in link' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke sign-in link' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(emailed).toHaveCount(0);
  // On what the revocation says, in the page, not lost on the body.
  await expect(page.getByRole('status').filter({ hasText: 'was revoked' })).toBeFocused();
});

test('a customer sees first a support token in use while support acts as him, and revoking it ends that at once', async ({
  org,
  operator,
  api,
  newPage,
  createLoginToken,
}) => {
  const customer = org.members[0];
  const ops = await operator('admin');
  const support = await createLoginToken(ops, {
    subject: { type: 'profile', profileId: customer.profileId },
    use: 'support',
    reason: 'Checking the invoice view',
    extra: 'Support token',
  });
  // Support uses it: the token is spent, and support now acts as the customer.
  const opened = await (await api(ops)).links.redeemLoginToken(loginTokenOf(support.url));
  if (!opened.token) throw new Error('An API client got no session token for a support token.');
  const acting = await api({ token: opened.token });
  expect((await acting.auth.session()).session.user?.email).toBe(customer.email);
  await (await api()).links.requestEmailLink(customer.email);

  const page = await newPage(customer);
  await page.goto('/account');
  const made = page.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  await expect(made.getByRole('row')).toHaveCount(3);
  const inUse = made.getByRole('row').nth(1);
  await expect(inUse).toContainText('Support token');
  await expect(inUse).toContainText(
    `In use: ${ops.name} (support admin) is acting as you with it now`,
  );
  await inUse.getByRole('button', { name: 'Revoke Support token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke login token' });
  await expect(dialog).toContainText(
    `${ops.name} (support admin) is acting as you with Support token now. Revoking it ends that at once.`,
  );
  await dialog.getByRole('button', { name: 'Revoke login token' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(made.getByRole('row').filter({ hasText: 'Support token' })).toHaveCount(0);
  await expect(acting.auth.session()).rejects.toMatchObject({ status: 401 });
});
