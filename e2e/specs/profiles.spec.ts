import { submitSignInForm } from '../fixtures/sign-in-form.ts';
import { expect, test } from '../fixtures/test.ts';

// Test mode makes each person with one profile, and nothing gives an existing person a second
// one: this spec reads the seeded demo's Jane Doe, a member of Acme Corp and a Contact of
// Globex Inc. It signs her in and switches her own session's profile, and changes nothing
// anybody else reads. Its password: the one the suite's server was given (global-setup.ts), or
// that of the server at E2E_BASE_URL (E2E_DEMO_PASSWORD), or the published one without a key.
const jane = {
  email: 'member@acme.test',
  password: process.env.E2E_DEMO_PASSWORD ?? 'demo-password',
};
const ACME = 'Acme Corp';
const GLOBEX = 'Globex Inc';

test('a member of two organizations picks a profile at sign-in and switches between them, seeing only the active organization’s orders', async ({
  page,
  sessionOf,
}) => {
  await page.goto('/sign-in');
  await submitSignInForm(page, jane.email, jane.password);

  await expect(page).toHaveURL((url) => url.pathname === '/select-profile');
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
  await expect(page.getByRole('button', { name: new RegExp(`^${ACME}`) })).toBeVisible();
  await page.getByRole('button', { name: new RegExp(`^${GLOBEX}`) }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const orders = page.getByRole('table', { name: 'Orders' });
  const invoices = page.getByRole('table', { name: 'Invoices' });
  const activeProfile = page.getByRole('combobox', { name: 'Active profile' });

  // Globex: its own order appears first, so the absence of Acme's is checked on loaded data.
  await expect(orders.getByRole('row').filter({ hasText: 'SO-GLOBEX-001' })).toBeVisible();
  await expect(activeProfile.locator('option:checked')).toHaveText(GLOBEX);
  await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-' })).toHaveCount(0);
  await expect(invoices.getByRole('row').filter({ hasText: 'INV-GLOBEX-001' })).toBeVisible();
  await expect(invoices.getByRole('row').filter({ hasText: 'INV-ACME-' })).toHaveCount(0);

  await activeProfile.selectOption({ label: ACME });

  // Acme: wait for Acme's order, then Globex's must be gone (not merely still loading).
  await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-001' })).toBeVisible();
  await expect(activeProfile.locator('option:checked')).toHaveText(ACME);
  await expect(orders.getByRole('row').filter({ hasText: 'SO-GLOBEX-' })).toHaveCount(0);
  await expect(invoices.getByRole('row').filter({ hasText: 'INV-ACME-001' })).toBeVisible();
  await expect(invoices.getByRole('row').filter({ hasText: 'INV-GLOBEX-' })).toHaveCount(0);

  const current = await sessionOf(page);
  expect(current?.activeProfile?.organization.name, 'the server switched too').toBe(ACME);
});

test('a member of two organizations sent to sign in from a page chooses a profile, then is on that page', async ({
  page,
}) => {
  await page.goto('/account?sessions=Chrome');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await submitSignInForm(page, jane.email, jane.password);

  await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
  await page.getByRole('button', { name: new RegExp(`^${ACME}`) }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/account');
  await expect(page.getByRole('searchbox', { name: 'Search sessions' })).toHaveValue('Chrome');
});
