import type { Page } from '@playwright/test';
import { findUserRow } from '../fixtures/admin-users.ts';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import { expect, test } from '../fixtures/test.ts';

// Each scan waits for the page's content, so axe sees the finished page.

/** Opens the path and waits for the page's level-1 heading. */
async function open(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

test.describe('every page has no serious or critical WCAG 2.1 AA violation', () => {
  test('sign-in', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/sign-in');
  });

  test('sign-in showing an error', async ({ page }) => {
    await page.goto('/sign-in');
    // An address with no account, so no real account's failed-attempt counter moves.
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('nobody@example.test');
    await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
    await expectNoSeriousA11yViolations(page, '/sign-in with an error');
  });

  test('choose a profile', async ({ page, org, signIn }) => {
    // A team admin chooses between their own profile and signing in as a team member.
    await signIn(page, org.admin);
    await open(page, '/select-profile', 'Choose a profile');
    await expect(page.getByRole('button', { name: new RegExp(`^${org.name}`) })).toBeVisible();
    await expect(
      page.getByRole('button', { name: `Sign in as ${org.members[0].name}` }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/select-profile');
  });

  test('customer dashboard', async ({ page, org, signIn, api }) => {
    const { order } = await (await api(org.owner)).orders.place({ sku: 'TONER-BK', quantity: 2 });
    await signIn(page, org.owner);
    await open(page, '/', 'Dashboard');
    const orders = page.getByRole('table', { name: 'Orders' });
    await expect(orders.getByRole('row').filter({ hasText: order.number })).toBeVisible();
    await expect(page.getByText('No invoices yet.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Place order' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (customer dashboard)');
  });

  test('operator backoffice', async ({ page, operator, signIn }) => {
    await signIn(page, await operator('support'));
    await open(page, '/', 'Backoffice');
    await expectNoSeriousA11yViolations(page, '/ (operator backoffice)');
  });

  test('team permissions', async ({ page, org, signIn }) => {
    await signIn(page, org.owner);
    await open(page, '/team', 'Team permissions');
    await expect(
      page.getByRole('checkbox', { name: `View orders for ${org.admin.name}`, exact: true }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team');
  });

  test('account', async ({ page, org, signIn, api }) => {
    // A second session elsewhere, so the table shows a "Revoke" button as well as "This device".
    await api(org.owner);
    await signIn(page, org.owner);
    await open(page, '/account', 'Account');
    const sessions = page.getByRole('table', { name: 'Your sessions' });
    await expect(sessions.getByText('This device')).toBeVisible();
    await expect(sessions.getByRole('button', { name: /^Revoke session / })).toHaveCount(1);
    await expectNoSeriousA11yViolations(page, '/account');
  });

  test('page not found', async ({ page, org, signIn }) => {
    await signIn(page, org.owner);
    await open(page, '/no-such-page', 'Page not found');
    await expectNoSeriousA11yViolations(page, 'not found');
  });

  test('admin › users', async ({ page, org, operator, signIn }) => {
    await signIn(page, await operator('support'));
    await open(page, '/admin/users', 'Users');
    const row = await findUserRow(page, org.members[0].email);
    await expect(
      row.getByRole('button', { name: `Sign in as ${org.members[0].name}` }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/users');
  });

  test('a page while impersonating, with the banner', async ({ page, org, impersonate }) => {
    await impersonate(page, {
      actor: org.admin,
      target: org.members[0],
      reason: 'Accessibility scan',
    });
    await open(page, '/', 'Dashboard');
    await expect(
      page.getByRole('region', { name: 'Impersonation', exact: true }).getByRole('button', {
        name: 'Leave Impersonation',
      }),
    ).toBeVisible();
    await expect(page.getByText('No orders yet.')).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ while impersonating');
  });

  test('account with an access history', async ({ page, org, signIn, impersonateAndLeave }) => {
    // Someone has signed in as the member, so the table has this row.
    const reason = 'Accessibility scan';
    const member = org.members[0];
    await impersonateAndLeave({ door: 'team', actor: org.admin, target: member, reason });

    await signIn(page, member);
    await open(page, '/account', 'Account');
    const history = page.getByRole('table', { name: 'Access history' });
    await expect(history.getByRole('row').filter({ hasText: reason })).toBeVisible();
    await expect(
      page.getByRole('checkbox', { name: 'Allow team admins to sign in as me' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/account with an access history');
  });

  test('the team-door dialog', async ({ page, org, signIn }) => {
    const member = org.members[0];
    await signIn(page, org.admin);
    await page.goto('/team');
    await page
      .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await expect(dialog.getByRole('button', { name: 'Start impersonation' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team with the "Sign in as" dialog open');
    // Cancel starts nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('one-click link page, before Continue', async ({ page, org, emailOneClickLink }) => {
    const member = org.members[0];
    await page.goto(await emailOneClickLink(member));
    await expect(page.getByRole('button', { name: 'Continue' })).toBeVisible();
    await expect(page.getByText(`This link signs you in as ${member.name}`)).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/one-click (valid link)');
  });

  test('one-click link page showing a failure', async ({ page, org, clock, emailOneClickLink }) => {
    // An expired link (a forged one would count as a guess towards the address's limit).
    const url = await emailOneClickLink(org.members[0], { expiresInMinutes: 1 });
    await clock.advance(2 * 60_000);
    await page.goto(url);
    await expect(
      page.getByRole('alert').getByRole('heading', { name: 'This link has expired' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/one-click (expired)');
  });

  test('login token page and the guest view it leads to', async ({
    page,
    operator,
    createLoginToken,
  }) => {
    const { url } = await createLoginToken(await operator('admin'), {
      subject: { type: 'anonymous' },
    });
    await page.goto(url);
    await expect(page.getByText('This link signs you in as a guest.')).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/login (anonymous token)');

    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Welcome, guest' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (guest view)');
  });

  test('login tokens, with the "New Login Token" popup open', async ({
    page,
    org,
    operator,
    signIn,
  }) => {
    const member = org.members[0];
    await signIn(page, await operator('admin'));
    await page.goto('/admin/login-tokens');
    await expect(page.getByRole('table', { name: 'Login tokens' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens');

    await page.getByRole('button', { name: 'New Login Token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Login Token' });
    await dialog.getByLabel('Contact or customer').fill(member.email);
    await expect(dialog.getByRole('button', { name: new RegExp(`^${member.name}`) })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens with the popup open');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('login token details', async ({ page, org, operator, signIn, emailLoginToken }) => {
    const ops = await operator('admin');
    const { id } = await emailLoginToken(org.members[0], {
      by: ops,
      extra: 'Accessibility scan',
    });
    await signIn(page, ops);
    await open(page, `/admin/login-tokens/${id}`, `Login token ${id}`);
    await expect(page.getByText('Successful attempts: 0')).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens/:id');
  });

  test('API keys', async ({ page, operator, signIn }) => {
    await signIn(page, await operator('superadmin'));
    await open(page, '/admin/api-keys', 'API Keys');
    await expect(page.getByRole('button', { name: 'Create key' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/api-keys');
  });

  test('audit trail, with an event’s details open', async ({ page, org, operator, signIn }) => {
    await signIn(page, await operator('support'));
    // This test's organization's events: its making, at least.
    await open(page, `/admin/audit?organizationId=${org.id}`, 'Audit trail');
    const details = page
      .getByRole('table', { name: 'Audit events' })
      .getByRole('button', { name: /^Details of event \d+$/ })
      .first();
    await expect(details).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/audit');

    const label = (await details.getAttribute('aria-label')) ?? '';
    await details.click();
    const dialog = page.getByRole('dialog', { name: label.replace('Details of event', 'Event') });
    await expect(dialog).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/audit with an event’s details open');
  });

  test('an impersonation’s page', async ({ page, org, operator, signIn, impersonateAndLeave }) => {
    const support = await operator('support');
    const id = await impersonateAndLeave({
      door: 'operator',
      actor: support,
      target: org.members[0],
      reason: 'Accessibility scan',
    });

    await signIn(page, support);
    await open(page, `/admin/impersonations/${encodeURIComponent(id)}`, 'Impersonation');
    await expect(
      page.getByRole('table', { name: 'Impersonation timeline' }).getByRole('row').nth(1),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/impersonations/:id');
  });

  test('global settings', async ({ page, operator, signIn }) => {
    await signIn(page, await operator('superadmin'));
    await open(page, '/admin/settings', 'Settings');
    await expect(
      page.getByRole('checkbox', { name: 'Allow operators to impersonate users' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/settings');
  });

  test('team audit trail', async ({ page, org, signIn, impersonateAndLeave }) => {
    // An event of this organization's own, so the table has at least this row.
    const reason = 'Accessibility scan';
    await impersonateAndLeave({ door: 'team', actor: org.admin, target: org.members[0], reason });

    await signIn(page, org.admin);
    await open(page, '/team/audit', 'Team audit trail');
    const events = page.getByRole('table', { name: 'Audit events' });
    await expect(events.getByRole('row').filter({ hasText: reason }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team/audit');
  });
});
