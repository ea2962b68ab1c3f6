import { coworkerProfileId } from '../fixtures/impersonate.ts';
import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// This spec briefly switches Acme Corp's team door off, which ends every running team-door
// impersonation in Acme and refuses new ones. It therefore runs in the "team-door" project,
// which depends on the main project and so starts only once every other spec has finished
// (playwright.config.ts), and it switches the door back on whatever happens.
const { owner, admin, member } = personas;

test.describe.configure({ mode: 'serial' });

test('an owner who switches the team door off in team settings takes "Impersonate account" away from the team admins, with the reason shown, until it is switched on again', async ({
  page,
  signInAs,
  pageAs,
  api,
}) => {
  const ownerApi = await api(owner);
  expect(
    (await ownerApi.team.settings()).settings.impersonationEnabled,
    'precondition: the demo’s team door is on',
  ).toBe(true);
  const adminApi = await api(admin);
  const janeId = await coworkerProfileId(adminApi, member.email);

  try {
    await signInAs(page, owner);
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
    const adminPage = await pageAs(admin);
    await adminPage.goto('/team');
    const members = adminPage.getByRole('table', { name: 'Team members' });
    const impersonateJane = members.getByRole('button', {
      name: `Impersonate account: ${member.name}`,
      exact: true,
    });
    await expect(impersonateJane).toBeDisabled();
    await expect(
      members
        .getByRole('row')
        .filter({ hasText: member.email })
        .getByText('Signing in as team members is switched off for this organization.'),
    ).toBeVisible();
    // The server refuses too, whatever the page shows.
    await expect(adminApi.impersonation.teamHandoff(janeId, 'Door is off')).rejects.toMatchObject({
      status: 403,
    });

    // Switched on again from the same form, the button comes back.
    await door.check();
    await save.click();
    await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    expect((await ownerApi.team.settings()).settings.impersonationEnabled).toBe(true);
    await adminPage.reload();
    await expect(impersonateJane).toBeEnabled();
  } finally {
    // Whatever happened above, the demo's door is on again for later runs of any spec.
    await ownerApi.team.updateSettings({ impersonationEnabled: true });
  }
});
