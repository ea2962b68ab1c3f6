import { expect, test } from '../fixtures/test.ts';

// WCAG 2.4.3 (focus order) and the portal's own rule, "focus goes back to whatever opened it"
// (components/ui/modal-dialog.tsx). When the dialog's act removed the button that opened it (a
// revoked credential's row), focus fell to the document's body: a keyboard or screen-reader
// user was thrown to the top of the page, with nothing said where they are (a review).

test('after revoking a sign-in link from Account, keyboard focus stays in the page, not on the body', async ({
  org,
  api,
  newPage,
}) => {
  const member = org.members[0];
  await (await api()).links.requestEmailLink(member.email);

  const page = await newPage(member);
  await page.goto('/account');
  const made = page.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  const row = made.getByRole('row').filter({ hasText: 'Sign-in link sent by email' }).first();
  const revoke = row.getByRole('button', { name: /^Revoke / });
  await revoke.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Revoke sign-in link' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke sign-in link' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'was revoked' })).toBeVisible();
  await expect(made.getByRole('row').filter({ hasText: 'Sign-in link sent by email' })).toHaveCount(
    0,
  );

  // On what the revocation says, in the page, not lost on the body.
  await expect(page.getByRole('status').filter({ hasText: 'was revoked' })).toBeFocused();
});
