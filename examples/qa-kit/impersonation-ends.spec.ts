import { expect, test } from '@onbehalf/testing';

test('a team admin impersonates a member from the team page until the clock runs out', async ({
  page,
  org,
  signIn,
  clock,
}) => {
  const member = org.members[0];
  await signIn(page, org.admin);
  await page.goto('/team');
  await page.getByRole('button', { name: `Impersonate account: ${member.name}` }).click();
  await page.getByRole('button', { name: 'Start impersonation' }).click();
  const banner = page.getByRole('region', { name: 'Impersonation' });
  await expect(banner).toContainText(`You are signed in as ${member.name}`);
  await clock.advance(61 * 60_000);
  await page.reload();
  await expect(banner).toBeHidden();
  await expect(page.getByText('The impersonation reached its time limit.')).toBeVisible();
});
