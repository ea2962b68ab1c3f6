import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import {
  coworkerProfileId,
  impersonateCoworker,
  impersonateCoworkerInBrowser,
} from '../fixtures/impersonate.ts';
import { ACME, personas, withProfile } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Read-only personas: Olivia Owens (Acme owner), Jane Doe, support staff, and Adam Alvarez
// (Acme team admin) who signs in as Jane, which changes nothing of hers but her access
// history. Each scan waits for the page's content, so axe sees the finished page.
const { owner, admin, member, support } = personas;

test.describe('every page has no serious or critical WCAG 2.1 AA violation', () => {
  test('sign-in', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/sign-in');
  });

  test('sign-in showing an error', async ({ page }) => {
    await page.goto('/sign-in');
    // An address with no account, so no real account's failed-attempt counter moves.
    await page.getByRole('textbox', { name: 'Email' }).fill('nobody@example.test');
    await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
    await expectNoSeriousA11yViolations(page, '/sign-in with an error');
  });

  test('choose a profile', async ({ page, signInAs }) => {
    await signInAs(page, member);
    await page.goto('/select-profile');
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Globex Inc/ })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/select-profile');
  });

  test('customer dashboard', async ({ page, signInAs }) => {
    await signInAs(page, owner);
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    const orders = page.getByRole('table', { name: 'Orders' });
    await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-001' })).toBeVisible();
    const invoices = page.getByRole('table', { name: 'Invoices' });
    await expect(invoices.getByRole('row').filter({ hasText: 'INV-ACME-001' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Place order' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (customer dashboard)');
  });

  test('operator backoffice', async ({ page, signInAs }) => {
    await signInAs(page, support);
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (operator backoffice)');
  });

  test('team permissions', async ({ page, signInAs }) => {
    await signInAs(page, owner);
    await page.goto('/team');
    await expect(page.getByRole('heading', { level: 1, name: 'Team permissions' })).toBeVisible();
    await expect(
      page.getByRole('checkbox', { name: `View orders for ${personas.admin.name}`, exact: true }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team');
  });

  test('account', async ({ page, signInAs, api }) => {
    // A second session elsewhere, so the table shows a "Revoke" button as well as "This device".
    await api(owner);
    await signInAs(page, owner);
    await page.goto('/account');
    await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
    const sessions = page.getByRole('table', { name: 'Your sessions' });
    await expect(sessions.getByText('This device')).toBeVisible();
    await expect(sessions.getByRole('button', { name: /^Revoke session / }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/account');
  });

  test('page not found', async ({ page, signInAs }) => {
    await signInAs(page, owner);
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'not found');
  });

  test('admin › users', async ({ page, signInAs }) => {
    await signInAs(page, support);
    await page.goto('/admin/users');
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    await page.getByLabel('Search users', { exact: true }).fill('Jane');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const users = page.getByRole('table', { name: 'Users' });
    await expect(users.getByRole('button', { name: `Impersonate ${member.name}` })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/users');
  });

  test('a page while impersonating, with the banner', async ({ page, signInAs }) => {
    await signInAs(page, admin);
    await impersonateCoworkerInBrowser(page, member.email, 'Accessibility scan');
    await page.goto('/');
    await expect(
      page.getByRole('region', { name: 'Impersonation', exact: true }).getByRole('button', {
        name: 'Leave Impersonation',
      }),
    ).toBeVisible();
    const orders = page.getByRole('table', { name: 'Orders' });
    await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-001' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ while impersonating');
  });

  test('account with an access history', async ({ page, signInAs, api, baseURL }) => {
    // Someone has signed in as Jane, so the table has at least this row.
    const reason = `Accessibility scan ${Date.now()}`;
    const adminApi = await api(admin);
    const impersonation = await impersonateCoworker(
      adminApi,
      baseURL,
      await coworkerProfileId(adminApi, member.email),
      reason,
    );
    await impersonation.as.impersonation.leave();

    await signInAs(page, withProfile(member, ACME));
    await page.goto('/account');
    await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
    const history = page.getByRole('table', { name: 'Access history' });
    await expect(history.getByRole('row').filter({ hasText: reason })).toBeVisible();
    await expect(
      page.getByRole('checkbox', { name: 'Allow team admins to sign in as me' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/account with an access history');
  });

  test('the team-door dialog', async ({ page, signInAs }) => {
    await signInAs(page, admin);
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
});
