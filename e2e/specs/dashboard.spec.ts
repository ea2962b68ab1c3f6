import type { OrdersResponse } from '@onbehalf/contracts/commerce';
import { ACME, personas, withProfile } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Jane Doe in her Acme Corp profile: a member with "Place orders" that no spec takes away.
const janeAtAcme = withProfile(personas.member, ACME);

test('a member places an order from the dashboard and sees it confirmed and listed', async ({
  page,
  signInAs,
}) => {
  await signInAs(page, janeAtAcme);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Place an order' })).toBeVisible();

  const product = page.getByRole('combobox', { name: 'Product' });
  const toner = await product
    .locator('option', { hasText: 'Black toner cartridge' })
    .getAttribute('value');
  if (toner === null) throw new Error('The Product select offers no black toner.');
  await product.selectOption(toner);
  await page.getByRole('spinbutton', { name: 'Quantity' }).fill('3');
  await page.getByRole('button', { name: 'Place order' }).click();

  const confirmation = page.getByRole('status').filter({ hasText: /Order \S+ placed\./ });
  await expect(confirmation).toBeVisible();
  const number = /Order (\S+) placed\./.exec((await confirmation.textContent()) ?? '')?.[1] ?? '';
  expect(number, 'the confirmation names the new order').toMatch(/^SO-\d+$/);

  const orders = page.getByRole('table', { name: 'Orders' });
  await expect(orders.getByRole('row').filter({ hasText: number })).toBeVisible();

  // The server has it as placed: the product and quantity chosen in the form.
  const listed = await page.request.get('/api/public/orders');
  const placed = ((await listed.json()) as OrdersResponse).orders.find((o) => o.number === number);
  expect(placed).toMatchObject({ quantity: 3, title: expect.stringContaining('toner') });
  expect(placed?.placedBy).toBe(personas.member.name);
});
