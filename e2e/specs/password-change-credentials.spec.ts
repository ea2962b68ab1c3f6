import { expect, test } from '../fixtures/test.ts';

// SPEC §4b: "Every credential made for a user dies when that user's password changes". The
// Account page lists, beside the password form, the credentials made for the person "that still
// work", each with Revoke. After the change the list went on showing the ones the server had
// just ended, as still working, until the page was left or the window refocused (a review).

test('after changing her password, the Account page no longer lists the sign-in links the change ended as still working', async ({
  org,
  api,
  newPage,
  pageApi,
}) => {
  const member = org.members[0];
  // She asked for a sign-in link by email herself: it works until her password changes.
  await (await api()).links.requestEmailLink(member.email);

  const page = await newPage(member);
  await page.goto('/account');
  const made = page.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  const emailed = made.getByRole('row').filter({ hasText: 'Sign-in link sent by email' });
  await expect(emailed).toHaveCount(1);

  const password = page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill(member.password);
  await password.getByLabel('New password').fill('a-brand-new-password-42');
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(
    page.getByText('Password changed. Your other sessions were signed out.'),
  ).toBeVisible();

  // The server ended it: it is no longer among those made for her that still work.
  expect((await pageApi(page).account.credentials({ limit: 50 })).credentials).toHaveLength(0);
  await expect(emailed, 'a link the password change ended, still listed as working').toHaveCount(0);
});
