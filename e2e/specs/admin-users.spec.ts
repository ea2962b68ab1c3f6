import type { Page } from '@playwright/test';
import { findUserRow } from '../fixtures/admin-users.ts';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import { expect, test } from '../fixtures/test.ts';

/**
 * Admin › Users, the person's row, and the dialog a button of the row opens: "Change access"
 * unless another button and dialog are named.
 */
async function openFromRow(
  page: Page,
  person: { email: string; name: string },
  named = {
    button: `Change access for ${person.name}`,
    dialog: `Change access for ${person.name}`,
  },
) {
  await page.goto('/admin/users');
  const row = await findUserRow(page, person.email);
  const before = await row.textContent();
  await row.getByRole('button', { name: named.button }).click();
  return { row, before, dialog: page.getByRole('dialog', { name: named.dialog }) };
}

test('a superadmin disables a member from Admin › Users with a reason: the member is signed out at once and the row says so', async ({
  org,
  operator,
  api,
  newPage,
}) => {
  const member = org.members[0];
  const membersOwn = await api(member);
  expect((await membersOwn.auth.session()).session.user?.email).toBe(member.email);

  const page = await newPage(await operator('superadmin'));
  const { row, dialog } = await openFromRow(page, member);
  await expect(row).toContainText('Active');
  await dialog.getByRole('combobox', { name: 'Status' }).selectOption('disabled');
  await expect(dialog).toContainText(`${member.name} is signed out everywhere at once.`);
  await expectNoSeriousA11yViolations(page, '/admin/users with "Change access" open');
  // No reason, no change.
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Give a reason of at least 3 characters.');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('Left the company');
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText('Disabled');

  // The server agrees: the member's own session ended with the change.
  await expect(membersOwn.auth.session()).rejects.toMatchObject({ status: 401 });
});

test('a superadmin lowers an operator’s role from Admin › Users; an operator admin is offered no such change', async ({
  operator,
  api,
  newPage,
}) => {
  const ops = await operator('admin');
  const page = await newPage(await operator('superadmin'));
  const { row, dialog } = await openFromRow(page, ops);
  await expect(row).toContainText('Operator · admin');
  // Nothing changed is refused before anything is sent.
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('Moved to first-line support');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog.getByRole('alert')).toContainText(
    'Change the status, the operator role, or both.',
  );
  await dialog.getByRole('combobox', { name: 'Operator role' }).selectOption('support');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText('Operator · support');
  const demoted = await api(ops);
  expect((await demoted.auth.session()).session.user?.operatorRole).toBe('support');

  // An operator admin may not change anyone's access: the button is not there.
  const opsPage = await newPage(await operator('admin'));
  await opsPage.goto('/admin/users');
  const seen = await findUserRow(opsPage, ops.email);
  await expect(seen.getByRole('button', { name: /^Change access/ })).toHaveCount(0);
});

test('a superadmin makes a member the admin of her organization from Admin › Users, with a reason, and her session gains the team rights', async ({
  org,
  operator,
  api,
  newPage,
}) => {
  const member = org.members[0];
  const page = await newPage(await operator('superadmin'));
  const { row, before, dialog } = await openFromRow(page, member, {
    button: `Change the role of ${member.name} in ${org.name}`,
    dialog: `Role of ${member.name} in ${org.name}`,
  });
  expect(before).toContain(`${org.name} · member`);
  await dialog.getByRole('combobox', { name: 'Role' }).selectOption('admin');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('Their only admin left');
  await dialog.getByRole('button', { name: 'Save role' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText(`${org.name} · admin`);

  const membersOwn = await (await api(member)).auth.session();
  expect(membersOwn.session.permissions).toContain('team:manage');
});
