import { randomUUID } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import { expectNoSeriousA11yViolations } from '../fixtures/axe.ts';
import {
  anonymousClient,
  createLoginToken,
  expectRefusedLinkPage,
  loginTokenOf,
  subjectProfileId,
} from '../fixtures/links.ts';
import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Omar Haddad (operator admin) makes login tokens for Ben Brooks, each named with a marker of
// this test's own, and Ben revokes one of them: other specs' links and tokens for Ben stay as
// they are, and nothing else of Ben's changes.
const { ops, buyer } = personas;

test('a customer sees the sign-in links and tokens made for him under Account, who made them, for whom and why, and revokes one, which then no longer works', async ({
  api,
  pageAs,
  freshPage,
  baseURL,
}) => {
  const marker = randomUUID();
  const supportName = `Support token [${marker}]`;
  const punchOutName = `Punch-out [${marker}]`;
  const reason = `Checking the invoice view [${marker}]`;
  const opsApi = await api(ops);
  const subject = {
    type: 'profile',
    profileId: await subjectProfileId(opsApi, buyer.email),
  } as const;
  await createLoginToken(opsApi, { subject, use: 'support', reason, extra: supportName });
  const punchOut = await createLoginToken(opsApi, {
    subject,
    use: 'integration',
    oneTimeUse: false,
    extra: punchOutName,
  });
  // The integration has signed Ben in once already, and that session is still open.
  const opened = await anonymousClient(baseURL).links.redeemLoginToken(loginTokenOf(punchOut.url));
  expect(opened.session.via?.name).toBe(punchOutName);
  const integrationSession = createApiClient({ baseUrl: baseURL, token: opened.token });

  const ben = await pageAs(buyer);
  await ben.goto('/account');
  await expect(
    ben.getByRole('heading', { level: 2, name: 'Sign-in links and tokens made for you' }),
  ).toBeVisible();
  const made = ben.getByRole('table', { name: 'Sign-in links and tokens made for you' });
  const supportRow = made.getByRole('row').filter({ hasText: supportName });
  await expect(supportRow).toContainText(`${ops.name} (support admin)`);
  await expect(supportRow).toContainText('For its maker, to sign in as you (support)');
  await expect(supportRow).toContainText(reason);
  await expect(supportRow).toContainText('Not used yet (works once)');
  const punchOutRow = made.getByRole('row').filter({ hasText: punchOutName });
  await expect(punchOutRow).toContainText(`${ops.name} (support admin)`);
  await expect(punchOutRow).toContainText('For an integration');
  await expect(punchOutRow).toContainText('Used once');
  await expectNoSeriousA11yViolations(ben, '/account with sign-in links and tokens made for you');

  await punchOutRow.getByRole('button', { name: `Revoke ${punchOutName}` }).click();
  const dialog = ben.getByRole('dialog', { name: 'Revoke login token' });
  await expect(dialog).toContainText(`${punchOutName}, made by ${ops.name} (support admin)`);
  await dialog.getByRole('button', { name: 'Revoke login token' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(
    ben.getByRole('status').filter({ hasText: `${punchOutName} was revoked: it no longer works.` }),
  ).toBeVisible();
  await expect(punchOutRow).toHaveCount(0);
  await expect(supportRow).toBeVisible();
  // His access history keeps the integration, grouped, with its use and its end.
  const integrations = ben.getByRole('table', { name: 'Integrations' });
  const integrationRow = integrations.getByRole('row').filter({ hasText: punchOutName });
  await expect(integrationRow).toContainText('Revoked');
  await expect(integrationRow).toContainText(`${ops.name} (support admin)`);

  // It no longer works: its URL says so, and the session it had opened is over.
  const gateway = await freshPage();
  await gateway.goto(punchOut.url);
  await expectRefusedLinkPage(gateway, 'This link has been withdrawn');
  await expect(integrationSession.auth.session()).rejects.toMatchObject({ status: 401 });
  expect((await opsApi.loginTokens.details(punchOut.id)).token).toMatchObject({
    state: 'deleted',
    endedReason: 'revoked_by_user',
  });
});
