import { expect, test } from '../fixtures/test.ts';

test('a member places an order from the dashboard and sees it confirmed and listed', async ({
  page,
  org,
  signIn,
  pageApi,
}) => {
  const member = org.members[0];
  await signIn(page, member);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Place an order' })).toBeVisible();
  await expect(page.getByText('No orders yet.'), 'a fresh organization').toBeVisible();
  // An order placed before, for the new one to be listed above.
  const { order: earlier } = await pageApi(page).orders.place({ sku: 'PAPER-A4', quantity: 1 });

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

  // Newest first: the new order heads the first page, the earlier one below it.
  const orders = page.getByRole('table', { name: 'Orders' });
  await expect(orders.getByRole('row').nth(1)).toContainText(number);
  await expect(orders.getByRole('row').nth(2)).toContainText(earlier.number);
  await expect(page.getByRole('status').filter({ hasText: 'Showing all 2 orders.' })).toBeVisible();

  // The server has it as placed: the product and quantity chosen in the form.
  const { orders: listed } = await pageApi(page).orders.list();
  expect(listed).toHaveLength(2);
  expect(listed[0]).toMatchObject({
    number,
    quantity: 3,
    title: expect.stringContaining('toner'),
    placedBy: member.name,
  });
});
