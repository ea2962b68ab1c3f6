import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import {
  impersonateAsOperatorAndLeave,
  impersonateCoworkerAndLeave,
  impersonateCoworkerInBrowser,
} from '../fixtures/impersonate.ts';
import {
  createLoginToken,
  emailLoginToken,
  emailOneClickLink,
  forgedSecret,
  subjectProfileId,
  userIdOf,
} from '../fixtures/links.ts';
import { ACME, type Persona, personas, withProfile } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Read-only personas: Olivia Owens (Acme owner), Jane Doe, support staff, and Adam Alvarez
// (Acme team admin) who signs in as Jane, which changes nothing of hers but her access
// history. Omar Haddad and Rita Rossi (operators) only make links and tokens of their own and
// look at pages; nothing is saved on the settings page. Each scan waits for the page's
// content, so axe sees the finished page.
const { owner, admin, member, support, ops, root, solo } = personas;

/** Signs in as the persona, opens the path and waits for the page's level-1 heading. */
async function open(
  page: Page,
  signInAs: (page: Page, persona: Persona) => Promise<unknown>,
  persona: Persona,
  path: string,
  heading: string,
): Promise<void> {
  await signInAs(page, persona);
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

  test('choose a profile', async ({ page, signInAs }) => {
    await open(page, signInAs, member, '/select-profile', 'Choose a profile');
    await expect(page.getByRole('button', { name: /^Globex Inc/ })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/select-profile');
  });

  test('customer dashboard', async ({ page, signInAs }) => {
    await open(page, signInAs, owner, '/', 'Dashboard');
    const orders = page.getByRole('table', { name: 'Orders' });
    await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-001' })).toBeVisible();
    const invoices = page.getByRole('table', { name: 'Invoices' });
    await expect(invoices.getByRole('row').filter({ hasText: 'INV-ACME-001' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Place order' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (customer dashboard)');
  });

  test('operator backoffice', async ({ page, signInAs }) => {
    await open(page, signInAs, support, '/', 'Backoffice');
    await expectNoSeriousA11yViolations(page, '/ (operator backoffice)');
  });

  test('team permissions', async ({ page, signInAs }) => {
    await open(page, signInAs, owner, '/team', 'Team permissions');
    await expect(
      page.getByRole('checkbox', { name: `View orders for ${personas.admin.name}`, exact: true }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team');
  });

  test('account', async ({ page, signInAs, api }) => {
    // A second session elsewhere, so the table shows a "Revoke" button as well as "This device".
    await api(owner);
    await open(page, signInAs, owner, '/account', 'Account');
    const sessions = page.getByRole('table', { name: 'Your sessions' });
    await expect(sessions.getByText('This device')).toBeVisible();
    await expect(sessions.getByRole('button', { name: /^Revoke session / }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/account');
  });

  test('page not found', async ({ page, signInAs }) => {
    await open(page, signInAs, owner, '/no-such-page', 'Page not found');
    await expectNoSeriousA11yViolations(page, 'not found');
  });

  test('admin › users', async ({ page, signInAs }) => {
    await open(page, signInAs, support, '/admin/users', 'Users');
    await page.getByLabel('Search users', { exact: true }).fill('Jane');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const users = page.getByRole('table', { name: 'Users' });
    await expect(users.getByRole('button', { name: `Sign in as ${member.name}` })).toBeVisible();
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
    const reason = `Accessibility scan [${randomUUID()}]`;
    await impersonateCoworkerAndLeave(await api(admin), baseURL, member.email, reason);

    await open(page, signInAs, withProfile(member, ACME), '/account', 'Account');
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

  test('one-click link page, before Continue', async ({ page, api }) => {
    const url = await emailOneClickLink(await api(ops), { to: solo.email });
    await page.goto(url);
    await expect(page.getByRole('button', { name: 'Continue' })).toBeVisible();
    await expect(page.getByText(/This link signs you in as Sam Solo/)).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/one-click (valid link)');
  });

  test('one-click link page showing a failure', async ({ page, api }) => {
    const soloId = await userIdOf(await api(ops), solo.email);
    await page.goto(`/one-click/${soloId}/${forgedSecret()}`);
    await expect(
      page.getByRole('alert').getByRole('heading', { name: 'This link is not valid' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/one-click (not valid)');
  });

  test('login token page and the guest view it leads to', async ({ page, api }) => {
    const { url } = await createLoginToken(await api(ops), { subject: { type: 'anonymous' } });
    await page.goto(url);
    await expect(page.getByText('This link signs you in as a guest.')).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/login (anonymous token)');

    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Welcome, guest' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/ (guest view)');
  });

  test('login tokens, with the "New Login Token" popup open', async ({ page, signInAs }) => {
    await signInAs(page, ops);
    await page.goto('/admin/login-tokens');
    await expect(page.getByRole('table', { name: 'Login tokens' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens');

    await page.getByRole('button', { name: 'New Login Token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Login Token' });
    await dialog.getByLabel('Contact or customer').fill('Sam');
    await expect(dialog.getByRole('button', { name: new RegExp(`^${solo.name}`) })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens with the popup open');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('login token details', async ({ page, signInAs, api }) => {
    const opsApi = await api(ops);
    const { id } = await emailLoginToken(opsApi, {
      to: solo.email,
      profileId: await subjectProfileId(opsApi, solo.email),
      extra: 'Accessibility scan',
    });
    await open(page, signInAs, ops, `/admin/login-tokens/${id}`, `Login token ${id}`);
    await expect(page.getByText('Successful attempts: 0')).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/login-tokens/:id');
  });

  test('API keys', async ({ page, signInAs }) => {
    await open(page, signInAs, root, '/admin/api-keys', 'API Keys');
    await expect(page.getByRole('button', { name: 'Create key' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/api-keys');
  });

  test('audit trail, with an event’s details open', async ({ page, signInAs }) => {
    await open(page, signInAs, support, '/admin/audit', 'Audit trail');
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

  test('an impersonation’s page', async ({ page, signInAs, api, baseURL }) => {
    const id = await impersonateAsOperatorAndLeave(await api(support), baseURL, {
      email: member.email,
      organization: ACME,
      reason: 'Accessibility scan',
    });

    await open(
      page,
      signInAs,
      support,
      `/admin/impersonations/${encodeURIComponent(id)}`,
      'Impersonation',
    );
    await expect(
      page.getByRole('table', { name: 'Impersonation timeline' }).getByRole('row').nth(1),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/impersonations/:id');
  });

  test('global settings', async ({ page, signInAs }) => {
    await open(page, signInAs, root, '/admin/settings', 'Settings');
    await expect(
      page.getByRole('checkbox', { name: 'Allow operators to impersonate users' }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/admin/settings');
  });

  test('team audit trail', async ({ page, signInAs, api, baseURL }) => {
    // An Acme Corp event of this test's own, so the table has at least this row.
    const reason = `Accessibility scan [${randomUUID()}]`;
    await impersonateCoworkerAndLeave(await api(admin), baseURL, member.email, reason);

    await open(page, signInAs, admin, '/team/audit', 'Team audit trail');
    const events = page.getByRole('table', { name: 'Audit events' });
    await expect(events.getByRole('row').filter({ hasText: reason }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, '/team/audit');
  });
});
