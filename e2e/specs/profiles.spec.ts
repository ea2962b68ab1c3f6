import type { SessionResponse } from '@onbehalf/contracts/auth';
import { ACME, GLOBEX, personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

const { member } = personas;

test('a member of two organizations picks a profile at sign-in and switches between them, seeing only the active organization’s orders', async ({
  page,
}) => {
  await page.goto('/sign-in');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(member.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

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

  const session = await page.request.get('/api/public/auth/session');
  expect(session.status()).toBe(200);
  const { session: current } = (await session.json()) as SessionResponse;
  expect(current.activeProfile?.organization.name, 'the server switched too').toBe(ACME);
});
