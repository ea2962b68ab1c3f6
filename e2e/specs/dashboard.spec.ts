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
  const { orders: listed } = await pageApi(page).orders.list();
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({
    number,
    quantity: 3,
    title: expect.stringContaining('toner'),
    placedBy: member.name,
  });
});
