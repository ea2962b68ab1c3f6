import type { Page } from '@playwright/test';
import { findUserRow } from '../fixtures/admin-users.ts';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import { submitSignInForm } from '../fixtures/sign-in-form.ts';
import { expect, test } from '../fixtures/test.ts';

// Every page, each as someone who sees it at its fullest, scanned once its content is there.
// One test per person walks through that person's pages in one browser (a scan's violations
// do not stop the walk: each page reports its own), so the suite signs in and opens a browser
// once per person rather than once per page.

/** Opens the path and waits for the page's level-1 heading. */
async function open(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

test.describe('every page has no serious or critical WCAG 2.1 AA violation', () => {
  // Each test walks several pages and runs axe on each: seconds of the browser's CPU per scan,
  // up to ten on a loaded 2-core machine (measured in a --repeat-each=10 run beside other
  // work), so these tests get three times the suite's 30 s.
  test.slow();

  test('signed out: sign-in, and sign-in showing an error', async ({ page }) => {
    await test.step('sign-in', async () => {
      await page.goto('/sign-in');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/sign-in');
    });

    await test.step('sign-in showing an error', async () => {
      // An address with no account, so no real account's failed-attempt counter moves.
      await submitSignInForm(page, 'nobody@example.test', 'not-the-password');
      await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
      await expectNoSeriousA11yViolations(page, '/sign-in with an error');
    });
  });

  test('holding a link: a one-click link page, valid and expired, and a login token page with the guest view it leads to', async ({
    page,
    org,
    operator,
    clock,
    emailOneClickLink,
    createLoginToken,
  }) => {
    const member = org.members[0];
    const ops = await operator('admin');
    const valid = await emailOneClickLink(member, { by: ops });
    const expiring = await emailOneClickLink(org.members[1], { by: ops, expiresInMinutes: 1 });
    const { url: guestUrl } = await createLoginToken(ops, { subject: { type: 'anonymous' } });

    await test.step('one-click link page, before Continue', async () => {
      await page.goto(valid);
      await expect(page.getByRole('button', { name: 'Continue' })).toBeVisible();
      await expect(page.getByText(`This link signs you in as ${member.name}`)).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/one-click (valid link)');
    });

    await test.step('one-click link page showing a failure', async () => {
      // An expired link (a forged one would count as a guess towards the address's limit).
      await clock.advance(2 * 60_000);
      await page.goto(expiring);
      await expect(
        page.getByRole('alert').getByRole('heading', { name: 'This link has expired' }),
      ).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/one-click (expired)');
    });

    await test.step('login token page and the guest view it leads to', async () => {
      await page.goto(guestUrl);
      await expect(page.getByText('This link signs you in as a guest.')).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/login (anonymous token)');

      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Welcome, guest' })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/ (guest view)');
    });
  });

  test('an owner: customer dashboard, team permissions, account and page not found', async ({
    page,
    org,
    signIn,
    api,
  }) => {
    const { owner } = org;
    const ownerApi = await api(owner);
    const { order } = await ownerApi.orders.place({ sku: 'TONER-BK', quantity: 2 });
    await signIn(page, owner);

    await test.step('customer dashboard', async () => {
      await open(page, '/', 'Dashboard');
      const orders = page.getByRole('table', { name: 'Orders' });
      await expect(orders.getByRole('row').filter({ hasText: order.number })).toBeVisible();
      await expect(page.getByText('No invoices yet.')).toBeVisible();
      await expect(page.getByRole('button', { name: 'Place order' })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/ (customer dashboard)');
    });

    await test.step('team permissions', async () => {
      await open(page, '/team', 'Team permissions');
      await expect(
        page.getByRole('checkbox', { name: `View orders for ${org.admin.name}`, exact: true }),
      ).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/team');
    });

    await test.step('account', async () => {
      // The owner's API session is another one, so the table shows a "Revoke" button as well
      // as "This device".
      await open(page, '/account', 'Account');
      const sessions = page.getByRole('table', { name: 'Your sessions' });
      await expect(sessions.getByText('This device')).toBeVisible();
      // Named by what the row says (device, address, when), not by the session's id.
      await expect(
        sessions.getByRole('button', { name: /^Revoke the session on .+, signed in .+/ }),
      ).toHaveCount(1);
      await expectNoSeriousA11yViolations(page, '/account');
    });

    await test.step('page not found', async () => {
      await open(page, '/no-such-page', 'Page not found');
      await expectNoSeriousA11yViolations(page, 'not found');
    });
  });

  test('a team admin: choose a profile, the team-door dialog, the team audit trail and a page while impersonating, with the banner', async ({
    page,
    org,
    signIn,
    impersonateAndLeave,
  }) => {
    const { admin } = org;
    const member = org.members[0];
    // An event of this organization's own, so the team audit trail has at least this row.
    const reason = 'Accessibility scan';
    await impersonateAndLeave({ door: 'team', actor: admin, target: member, reason });
    await signIn(page, admin);

    await test.step('choose a profile', async () => {
      // A team admin chooses between their own profile and signing in as a team member.
      await open(page, '/select-profile', 'Choose a profile');
      await expect(page.getByRole('button', { name: new RegExp(`^${org.name}`) })).toBeVisible();
      await expect(page.getByRole('button', { name: `Sign in as ${member.name}` })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/select-profile');
    });

    await test.step('team audit trail', async () => {
      await open(page, '/team/audit', 'Team audit trail');
      const events = page.getByRole('table', { name: 'Audit events' });
      await expect(events.getByRole('row').filter({ hasText: reason }).first()).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/team/audit');
    });

    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await test.step('the team-door dialog', async () => {
      await open(page, '/team', 'Team permissions');
      await page
        .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
        .click();
      await expect(dialog.getByRole('button', { name: 'Start impersonation' })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/team with the "Sign in as" dialog open');
    });

    await test.step('a page while impersonating, with the banner', async () => {
      await dialog.getByRole('button', { name: 'Start impersonation' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
      await expect(
        page.getByRole('region', { name: 'Impersonation', exact: true }).getByRole('button', {
          name: 'Leave Impersonation',
        }),
      ).toBeVisible();
      await expect(page.getByText('No orders yet.')).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/ while impersonating');
    });
  });

  test('a member: account with an access history', async ({
    page,
    org,
    signIn,
    impersonateAndLeave,
  }) => {
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

  test('support staff: the backoffice, Admin › Users, the audit trail with an event’s details open, and an impersonation’s page', async ({
    page,
    org,
    operator,
    signIn,
    impersonateAndLeave,
  }) => {
    const support = await operator('support');
    const member = org.members[0];
    const impersonationId = await impersonateAndLeave({
      door: 'operator',
      actor: support,
      target: member,
      reason: 'Accessibility scan',
    });
    await signIn(page, support);

    await test.step('operator backoffice', async () => {
      await open(page, '/', 'Backoffice');
      await expectNoSeriousA11yViolations(page, '/ (operator backoffice)');
    });

    await test.step('admin › users', async () => {
      await open(page, '/admin/users', 'Users');
      const row = await findUserRow(page, member.email);
      await expect(row.getByRole('button', { name: `Sign in as ${member.name}` })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/users');
    });

    await test.step('audit trail, with an event’s details open', async () => {
      // This test's organization's events: its making and the impersonation, at least.
      await open(page, `/admin/audit?organizationId=${org.id}`, 'Audit trail');
      const details = page
        .getByRole('table', { name: 'Audit events' })
        .getByRole('button', { name: /^Details of event \d+$/ })
        .first();
      await expect(details).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/audit');

      const label = (await details.getAttribute('aria-label')) ?? '';
      await details.click();
      const dialog = page.getByRole('dialog', {
        name: label.replace('Details of event', 'Event'),
      });
      await expect(dialog).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/audit with an event’s details open');
    });

    await test.step('an impersonation’s page', async () => {
      await open(
        page,
        `/admin/impersonations/${encodeURIComponent(impersonationId)}`,
        'Impersonation',
      );
      await expect(
        page.getByRole('table', { name: 'Impersonation timeline' }).getByRole('row').nth(1),
      ).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/impersonations/:id');
    });
  });

  test('an operator admin: login tokens with the "New Login Token" popup open, and a login token’s details', async ({
    page,
    org,
    operator,
    signIn,
    emailLoginToken,
  }) => {
    const member = org.members[0];
    const ops = await operator('admin');
    const { id } = await emailLoginToken(member, { by: ops, extra: 'Accessibility scan' });
    await signIn(page, ops);

    await test.step('login tokens, with the "New Login Token" popup open', async () => {
      await open(page, '/admin/login-tokens', 'Login Tokens');
      await expect(page.getByRole('table', { name: 'Login tokens' })).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/login-tokens');

      await page.getByRole('button', { name: 'New Login Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'New Login Token' });
      await dialog.getByLabel('Contact or customer').fill(member.email);
      await expect(
        dialog.getByRole('button', { name: new RegExp(`^${member.name}`) }),
      ).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/login-tokens with the popup open');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toHaveCount(0);
    });

    await test.step('login token details', async () => {
      await open(page, `/admin/login-tokens/${id}`, `Login token ${id}`);
      await expect(page.getByText('Successful attempts: 0')).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/login-tokens/:id');
    });
  });

  test('a superadmin: API keys and global settings', async ({
    page,
    operator,
    signIn,
    api,
    org,
  }) => {
    const superadmin = await operator('superadmin');
    // A key of this test's own, so the list has a row to show whatever else the server holds.
    const name = `Punch-out ${org.name}`;
    await (await api(superadmin)).apiKeys.create({
      name,
      scopes: ['login-tokens:manage'],
      organizationIds: [org.id],
    });
    await signIn(page, superadmin);

    await test.step('API keys', async () => {
      await open(page, '/admin/api-keys', 'API Keys');
      await expect(page.getByRole('button', { name: 'Create key' })).toBeVisible();
      // Newest first: the key just made heads the first page.
      const keys = page.getByRole('table', { name: 'API keys' });
      await expect(keys.getByRole('row').nth(1)).toContainText(name);
      await expect(page.getByRole('status').filter({ hasText: /API key/ })).toBeVisible();
      // The new key's organizations are found by name; a name this precise matches one.
      await page.getByLabel('Find an organization').fill(org.name);
      await expect(page.getByRole('checkbox', { name: org.name })).toBeVisible();
      await expect(page.getByText('More organizations match')).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, '/admin/api-keys');
    });

    await test.step('global settings', async () => {
      await open(page, '/admin/settings', 'Settings');
      await expect(
        page.getByRole('checkbox', { name: 'Allow operators to impersonate users' }),
      ).toBeVisible();
      await expectNoSeriousA11yViolations(page, '/admin/settings');
    });
  });
});
