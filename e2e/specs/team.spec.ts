import { expect, test } from '../fixtures/test.ts';

test('a team admin who takes away "Place orders" removes it from the member’s live session and dashboard', async ({
  page,
  org,
  signIn,
  api,
  newPage,
}) => {
  const { admin } = org;
  const member = org.members[0];
  // The member is signed in elsewhere before the change: that session must follow it.
  const memberApi = await api(member);
  const before = (await memberApi.auth.session()).session;
  expect(before.permissions, 'precondition: a member may place orders').toContain('orders:create');

  await signIn(page, admin);
  await page.goto('/team');
  await expect(page.getByRole('heading', { level: 1, name: 'Team permissions' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Team members' })).toBeVisible();

  const placeOrders = page.getByRole('checkbox', {
    name: `Place orders for ${member.name}`,
    exact: true,
  });
  await expect(placeOrders).toBeChecked();
  await placeOrders.click();
  await expect(placeOrders).not.toBeChecked();

  // The same session (no new sign-in) loses the permission once the change is saved.
  await expect
    .poll(async () => (await memberApi.auth.session()).session.permissions)
    .not.toContain('orders:create');
  const after = (await memberApi.auth.session()).session;
  expect(after.id, 'still the session from before the change').toBe(before.id);
  expect(after.permissions).toContain('orders:read');

  // The member's dashboard, in a browser of their own, no longer offers to place an order.
  const memberPage = await newPage(member);
  await memberPage.goto('/');
  await expect(memberPage.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  // Orders still load (they may see them), so the page is complete when the form is absent.
  await expect(memberPage.getByText('No orders yet.')).toBeVisible();
  await expect(memberPage.getByRole('heading', { name: 'Place an order' })).toHaveCount(0);
  await expect(memberPage.getByRole('button', { name: 'Place order' })).toHaveCount(0);

  // Ticking it again gives it back, to the same live session.
  await placeOrders.click();
  await expect(placeOrders).toBeChecked();
  await expect
    .poll(async () => (await memberApi.auth.session()).session.permissions)
    .toContain('orders:create');
});
