import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

const { admin, buyer } = personas;

// This spec is the only one that changes Ben Brooks's permissions; no other spec relies on
// his `orders:create`, and the permission is given back whatever happens.
test('a team admin who takes away "Place orders" removes it from the member’s live session and dashboard', async ({
  page,
  signInAs,
  api,
  pageAs,
}) => {
  // Ben is signed in elsewhere before the change: his existing session must follow it.
  const buyerApi = await api(buyer);
  const before = (await buyerApi.auth.session()).session;
  expect(before.permissions, 'precondition: Ben may place orders').toContain('orders:create');

  try {
    await signInAs(page, admin);
    await page.goto('/team');
    await expect(page.getByRole('heading', { level: 1, name: 'Team permissions' })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Team members' })).toBeVisible();

    const placeOrders = page.getByRole('checkbox', {
      name: `Place orders for ${buyer.name}`,
      exact: true,
    });
    await expect(placeOrders).toBeChecked();
    await placeOrders.click();
    await expect(placeOrders).not.toBeChecked();

    // The same session (no new sign-in) loses the permission once the change is saved.
    await expect
      .poll(async () => (await buyerApi.auth.session()).session.permissions)
      .not.toContain('orders:create');
    const after = (await buyerApi.auth.session()).session;
    expect(after.id, 'still the session from before the change').toBe(before.id);
    expect(after.permissions).toContain('orders:read');

    // Ben's dashboard, in a browser of his own, no longer offers to place an order.
    const buyerPage = await pageAs(buyer);
    await buyerPage.goto('/');
    await expect(buyerPage.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    const orders = buyerPage.getByRole('table', { name: 'Orders' });
    await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-001' })).toBeVisible();
    await expect(buyerPage.getByRole('heading', { name: 'Place an order' })).toHaveCount(0);
    await expect(buyerPage.getByRole('button', { name: 'Place order' })).toHaveCount(0);

    // Ticking it again gives it back, to the same live session.
    await placeOrders.click();
    await expect(placeOrders).toBeChecked();
    await expect
      .poll(async () => (await buyerApi.auth.session()).session.permissions)
      .toContain('orders:create');
  } finally {
    // Safety net if the test failed half-way: Ben gets his permission back through the API.
    const adminApi = await api(admin);
    const { members } = await adminApi.team.members();
    const ben = members.find((m) => m.email === buyer.email);
    if (ben && !ben.permissions.includes('orders:create')) {
      await adminApi.team.updateMember(ben.profileId, {
        permissions: [...ben.permissions, 'orders:create'],
      });
    }
  }
});
