import { expect, test } from '../fixtures/test.ts';

// SPEC §4 Portal: "a prominent banner on every page while impersonating ... with Leave
// Impersonation". The pages outside the signed-in layout (page not found, a sign-in link's
// page) showed no banner while an impersonation ran; the link page even said "Leave the
// impersonation first." and offered no way to (found by a review).

test('while impersonating, a page that does not exist still shows the banner and Leave Impersonation', async ({
  page,
  org,
  impersonate,
}) => {
  const member = org.members[0];
  await impersonate(page, { actor: org.admin, target: member, reason: 'Banner everywhere' });

  await page.goto('/orders/does-not-exist');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner, 'the banner on a page not found').toContainText(
    `You are signed in as ${member.name}`,
  );
  await expect(banner.getByRole('button', { name: 'Leave Impersonation' })).toBeVisible();
});

test('while impersonating, a sign-in link’s page that says “Leave the impersonation first” shows the banner to leave it', async ({
  page,
  org,
  impersonate,
  emailOneClickLink,
}) => {
  const member = org.members[0];
  // A link for the admin's own account, opened by the admin while acting as the member.
  const url = await emailOneClickLink(org.admin);
  await impersonate(page, { actor: org.admin, target: member, reason: 'Banner everywhere' });

  await page.goto(url);
  await expect(page.getByRole('alert')).toContainText('Leave the impersonation first.');
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner, 'the banner on the link’s page').toContainText(
    `You are signed in as ${member.name}`,
  );
  await expect(banner.getByRole('button', { name: 'Leave Impersonation' })).toBeVisible();
});
