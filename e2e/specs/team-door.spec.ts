import { expect, test } from '../fixtures/test.ts';

test('an owner who switches the team door off in team settings takes "Impersonate account" away from the team admins, with the reason shown, until it is switched on again', async ({
  page,
  org,
  signIn,
  newPage,
  api,
}) => {
  const { owner, admin } = org;
  const member = org.members[0];
  const ownerApi = await api(owner);
  const adminApi = await api(admin);
  expect(
    (await ownerApi.team.settings()).settings.impersonationEnabled,
    'precondition: a fresh organization’s team door is on',
  ).toBe(true);

  await signIn(page, owner);
  await page.goto('/team');
  await expect(page.getByRole('heading', { level: 2, name: 'Team settings' })).toBeVisible();
  const door = page.getByRole('checkbox', { name: 'Allow team admins to sign in as members' });
  const save = page.getByRole('button', { name: 'Save settings' });
  await expect(door).toBeChecked();
  await door.uncheck();
  await save.click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  expect((await ownerApi.team.settings()).settings.impersonationEnabled).toBe(false);

  // The team admin's page, loaded after the change.
  const adminPage = await newPage(admin);
  await adminPage.goto('/team');
  const members = adminPage.getByRole('table', { name: 'Team members' });
  const impersonateMember = members.getByRole('button', {
    name: `Impersonate account: ${member.name}`,
    exact: true,
  });
  await expect(impersonateMember).toBeDisabled();
  await expect(
    members
      .getByRole('row')
      .filter({ hasText: member.email })
      .getByText('Signing in as team members is switched off for this organization.'),
  ).toBeVisible();
  // The server refuses too, whatever the page shows.
  await expect(
    adminApi.impersonation.teamHandoff(member.profileId, 'Door is off'),
  ).rejects.toMatchObject({ status: 403 });

  // Switched on again from the same form, the button comes back, and so does the door.
  await door.check();
  await save.click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  expect((await ownerApi.team.settings()).settings.impersonationEnabled).toBe(true);
  await adminPage.reload();
  await expect(impersonateMember).toBeEnabled();
  await expect(adminApi.impersonation.teamHandoff(member.profileId)).resolves.toMatchObject({
    token: expect.any(String),
  });
});
