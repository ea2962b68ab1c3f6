import { randomUUID } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import type { ErrorBody } from '@onbehalf/contracts/errors';
import {
  bannerSentence,
  browserSession,
  coworkerProfileId,
  IMPERSONATION_COOKIE,
  impersonateAsOperatorAndLeave,
  impersonateCoworker,
  impersonateCoworkerAndLeave,
} from '../fixtures/impersonate.ts';
import { recordWire, serveOtherSite } from '../fixtures/other-site.ts';
import { ACME, GLOBEX, personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

// Who acts and who is acted for. Impersonating someone changes nothing of theirs (only the
// impersonation log grows), so these run in parallel with every other spec: Jane Doe is the
// usual target; Ben Brooks, whose "Place orders" team.spec toggles, is only impersonated in a
// test that asserts nothing about his orders (his permissions stay a subset of the admin's
// either way, so the impersonation is allowed throughout).
const { owner, admin, member, buyer, support, ops } = personas;

/** A reason no other test uses, so a test finds its own entries in a shared access history. */
const uniqueReason = (what: string) => `${what} [${randomUUID()}]`;

test.describe('team door', () => {
  test('a team admin signs in as a member from "Choose a profile", sees only her view, and leaving returns to the admin’s own, unchanged session while the impersonation session dies', async ({
    page,
    context,
    baseURL,
  }) => {
    const reason = uniqueReason('Checking why Jane cannot see an order');

    await page.goto('/sign-in');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(admin.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL((url) => url.pathname === '/select-profile');
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
    await expect(
      page.getByRole('heading', { level: 2, name: 'Sign in on behalf of a team member' }),
    ).toBeVisible();
    await expect(page.getByRole('button', { name: new RegExp(`^${ACME}`) })).toBeVisible();
    // Never upward: the owner holds a permission the admin lacks, and the page says so.
    await expect(page.getByRole('button', { name: `Sign in as ${owner.name}` })).toBeDisabled();
    await expect(page.getByText('This member has permissions you do not have.')).toBeVisible();

    const own = await browserSession(page);
    expect(own.user?.email).toBe(admin.email);
    expect(own.actor).toBeUndefined();

    await page.getByRole('button', { name: `Sign in as ${member.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill(reason);
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    // Jane's dashboard, as Jane sees it, with the banner saying who is really there.
    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, ACME, admin.name));
    await expect(banner.getByRole('button', { name: 'Leave Impersonation' })).toBeVisible();
    await expect(page).toHaveURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(member.name);
    await expect(page.getByRole('banner')).not.toContainText(admin.name);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Account' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' }), 'Jane may not see Team').toHaveCount(0);

    // The server agrees: Jane's identity, the admin as actor, the reason kept.
    const acting = await browserSession(page);
    expect(acting.user?.email).toBe(member.email);
    expect(acting.activeProfile?.organization.name).toBe(ACME);
    expect(acting.actor).toMatchObject({ user: { email: admin.email }, door: 'team', reason });
    expect(acting.authenticationFactors[0]?.type).toBe('impersonated');
    expect(acting.id, 'the impersonation has a session of its own').not.toBe(own.id);

    // The impersonation cookie is the impersonation session's token: it works, for now.
    const cookie = (await context.cookies()).find((c) => c.name === IMPERSONATION_COOKIE);
    if (!cookie) throw new Error(`No ${IMPERSONATION_COOKIE} cookie while impersonating.`);
    expect(cookie.httpOnly, 'page scripts cannot read it').toBe(true);
    const replay = createApiClient({ baseUrl: baseURL, token: cookie.value });
    expect((await replay.auth.session()).session.user?.email).toBe(member.email);

    await banner.getByRole('button', { name: 'Leave Impersonation' }).click();

    await expect(page).toHaveURL((url) => url.pathname === '/');
    await expect(
      page.getByRole('status').filter({ hasText: 'You have left the impersonation.' }),
    ).toBeVisible();
    await expect(banner).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Team' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(admin.name);
    await expect(page.getByRole('banner')).not.toContainText(member.name);

    // The admin is back in the very session they signed in with, not a re-minted one.
    const back = await browserSession(page);
    expect(back.id, 'the admin’s own session was kept, not re-minted').toBe(own.id);
    expect(back.user?.email).toBe(admin.email);
    expect(back.actor).toBeUndefined();
    expect((await context.cookies()).map((c) => c.name)).not.toContain(IMPERSONATION_COOKIE);

    // And the impersonation session is dead on the server, not merely forgotten by the browser.
    await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });
  });

  test('a team admin signs in as a member with "Impersonate account" on the team page and leaves again', async ({
    page,
    signInAs,
  }) => {
    await signInAs(page, admin);
    await page.goto('/team');
    await expect(page.getByRole('heading', { level: 1, name: 'Team permissions' })).toBeVisible();
    const members = page.getByRole('table', { name: 'Team members' });
    await expect(members.getByRole('row').filter({ hasText: buyer.email })).toBeVisible();
    await expect(
      members.getByRole('button', { name: `Impersonate account: ${owner.name}`, exact: true }),
      'never upward',
    ).toBeDisabled();
    await expect(members.getByText('This member has permissions you do not have.')).toBeVisible();

    await members
      .getByRole('button', { name: `Impersonate account: ${buyer.name}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${buyer.name}` });
    await expect(dialog.getByRole('textbox', { name: 'Reason (optional)' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(buyer.name, ACME, admin.name));
    await expect(page.getByRole('banner')).toContainText(buyer.name);
    expect((await browserSession(page)).user?.email).toBe(buyer.email);

    // Ben's own account matters stay his: the page offers none of them to the admin.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
    for (const section of ['Sessions', 'Access history', 'Team admins', 'Password']) {
      await expect(page.getByRole('region', { name: section, exact: true })).toContainText(
        'Not available while you are signed in as someone else.',
      );
    }
    await expect(page.getByRole('table', { name: 'Access history' })).toHaveCount(0);
    await expect(
      page.getByRole('checkbox', { name: 'Allow team admins to sign in as me' }),
    ).toHaveCount(0);

    await banner.getByRole('button', { name: 'Leave Impersonation' }).click();

    await expect(
      page.getByRole('status').filter({ hasText: 'You have left the impersonation.' }),
    ).toBeVisible();
    await expect(banner).toHaveCount(0);
    await expect(page.getByRole('banner')).not.toContainText(buyer.name);
    expect((await browserSession(page)).user?.email).toBe(admin.email);
  });

  test('after an impersonation starts, nothing of the admin’s own view is left on screen, and after leaving nothing of the member’s', async ({
    page,
    signInAs,
  }) => {
    await signInAs(page, admin);
    await page.goto('/team');
    const members = page.getByRole('table', { name: 'Team members' });
    await expect(members.getByRole('row').filter({ hasText: owner.email })).toBeVisible();

    await members
      .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await dialog
      .getByRole('textbox', { name: 'Reason (optional)' })
      .fill(uniqueReason('Stale data check'));
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, ACME, admin.name));
    await expect(page.getByRole('banner')).toContainText(member.name);
    await expect(page.getByRole('banner')).not.toContainText(admin.name);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' })).toHaveCount(0);

    // Back to /team inside the running app (page.goto would reload it and so empty any cache,
    // proving nothing): Jane may not see the team, and the admin's table must not come back.
    await page.evaluate(() => {
      Object.assign(window, { e2eSameDocument: true });
      window.history.pushState(null, '', '/team');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    await expect(page).toHaveURL((url) => url.pathname === '/team');
    await expect(page.getByText(/You do not have access to your team/)).toBeVisible();
    expect(
      await page.evaluate(() => 'e2eSameDocument' in window),
      'the app was not reloaded on the way to /team',
    ).toBe(true);
    await expect(page.getByRole('table', { name: 'Team members' })).toHaveCount(0);
    await expect(page.getByRole('checkbox')).toHaveCount(0);
    await expect(banner).toContainText(member.name);

    await banner.getByRole('button', { name: 'Leave Impersonation' }).click();

    await expect(
      page.getByRole('status').filter({ hasText: 'You have left the impersonation.' }),
    ).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(admin.name);
    await expect(page.getByRole('banner')).not.toContainText(member.name);

    // The admin's team page again, live: Jane may be impersonated once more (nothing of the
    // ended impersonation, such as "leave the current impersonation first", lingers).
    await nav.getByRole('link', { name: 'Team' }).click();
    await expect(members.getByRole('row').filter({ hasText: owner.email })).toBeVisible();
    await expect(
      members.getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true }),
    ).toBeEnabled();
  });
});

test('support staff impersonate a customer in a chosen organization from Admin › Users and see exactly that organization’s data', async ({
  page,
  signInAs,
}) => {
  const reason = 'Customer cannot find invoice';

  await signInAs(page, support);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();

  await expect(page).toHaveURL((url) => url.pathname === '/admin/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  const search = page.getByLabel('Search users', { exact: true });
  const users = page.getByRole('table', { name: 'Users' });

  // Support may not impersonate an operator of a higher role.
  await search.fill('Omar');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(users.getByRole('row').filter({ hasText: ops.email })).toBeVisible();
  await expect(users.getByRole('button', { name: `Sign in as ${ops.name}` })).toBeDisabled();

  await search.fill('Jane');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(users.getByRole('row').filter({ hasText: member.email })).toBeVisible();
  await expect(users.getByRole('row').filter({ hasText: ops.email })).toHaveCount(0);

  await users.getByRole('button', { name: `Sign in as ${member.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('textbox', { name: 'Ticket reference' }).fill('SUP-1234');
  await dialog.getByRole('combobox', { name: 'Profile' }).selectOption({ label: GLOBEX });
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();

  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(member.name, GLOBEX, support.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(member.name);
  // Globex's orders first, so the absence of Acme's is checked on loaded data.
  const orders = page.getByRole('table', { name: 'Orders' });
  await expect(orders.getByRole('row').filter({ hasText: 'SO-GLOBEX-001' })).toBeVisible();
  await expect(orders.getByRole('row').filter({ hasText: 'SO-ACME-' })).toHaveCount(0);

  const acting = await browserSession(page);
  expect(acting.user?.email).toBe(member.email);
  expect(acting.activeProfile?.organization.name).toBe(GLOBEX);
  expect(acting.actor).toMatchObject({ user: { email: support.email }, door: 'operator', reason });

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  await expect(
    page.getByRole('status').filter({ hasText: 'You have left the impersonation.' }),
  ).toBeVisible();
  await expect(banner).toHaveCount(0);
  expect((await browserSession(page)).user?.email).toBe(support.email);
});

test('an operator who makes sign-in links uses "Sign in as…" in Admin › Users: with a reason he lands in the customer’s view with the banner, the customer sees who holds a session as him, and his access history shows it with the reason', async ({
  page,
  signInAs,
  pageAs,
  api,
}) => {
  const reason = uniqueReason('Reorder button does nothing');

  await signInAs(page, ops);
  await page.goto('/admin/users');
  await page.getByLabel('Search users', { exact: true }).fill('Ben');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const users = page.getByRole('table', { name: 'Users' });
  await expect(users.getByRole('row').filter({ hasText: buyer.email })).toBeVisible();
  // One way to act as a customer, and one way to send them a link: no URL is ever shown.
  await expect(users.getByRole('button', { name: /^Impersonate / })).toHaveCount(0);
  await expect(users.getByRole('button', { name: /one-click/i })).toHaveCount(0);

  await users.getByRole('button', { name: `Sign in as ${buyer.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${buyer.name}` });
  await expect(dialog).toContainText('This is an impersonation');
  // No reason, no impersonation.
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();
  await expect(dialog.getByText('Give a reason of at least 3 characters.')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('textbox', { name: 'Ticket reference' }).fill('SUP-2001');
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();

  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(buyer.name, ACME, ops.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(buyer.name);
  const acting = await browserSession(page);
  expect(acting.user?.email).toBe(buyer.email);
  expect(acting.actor).toMatchObject({ user: { email: ops.email }, door: 'operator', reason });

  // Ben, at his own computer meanwhile: someone holds a session as him, named with the role.
  const ben = await pageAs(buyer);
  await ben.goto('/account');
  await expect(
    ben
      .getByRole('table', { name: 'Your sessions' })
      .getByRole('row')
      .filter({ hasText: `Used by ${ops.name} (support admin)` })
      // Another spec may be signed in as Ben through a support token at the same time.
      .first(),
  ).toBeVisible();

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  expect((await browserSession(page)).user?.email).toBe(ops.email);

  // Ben's access history: Omar, with the reason, through the link he made for himself.
  await ben.reload();
  const row = ben
    .getByRole('table', { name: 'Access history' })
    .getByRole('row')
    .filter({ hasText: reason });
  await expect(row).toContainText(`${ops.name} · Support`);
  await expect(row).toContainText('Ticket SUP-2001');
  await expect(row).toContainText('With a sign-in link they made for themselves');
  await expect(row).toContainText('The person acting left the impersonation.');
  const { entries } = await (await api(buyer)).account.accessHistory();
  expect(entries.find((e) => e.reason === reason)).toMatchObject({
    door: 'operator',
    actor: { name: ops.name, kind: 'operator', operatorRole: 'admin' },
    via: { kind: 'one_click' },
    endReason: 'left',
  });
});

test('a member’s access history lists the team admin and the support agent who signed in as her, with the reason', async ({
  page,
  signInAs,
  api,
  baseURL,
}) => {
  // This test makes its own history, so it does not depend on which tests ran before it.
  const adminReason = uniqueReason('Helping with a reorder');
  const supportReason = uniqueReason('Customer cannot find invoice');

  await impersonateCoworkerAndLeave(await api(admin), baseURL, member.email, adminReason);
  await impersonateAsOperatorAndLeave(await api(support), baseURL, {
    email: member.email,
    organization: GLOBEX,
    reason: supportReason,
    ticket: 'SUP-1234',
  });

  await signInAs(page, member);
  await page.goto('/select-profile');
  await page.getByRole('button', { name: new RegExp(`^${ACME}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Account' })
    .click();

  await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Access history' })).toBeVisible();
  const history = page.getByRole('table', { name: 'Access history' });
  for (const column of ['When', 'Who', 'Reason', 'Duration', 'Ended']) {
    await expect(history.getByRole('columnheader', { name: column })).toBeVisible();
  }
  await expect(
    history.getByRole('row').filter({ hasText: admin.name }).filter({ hasText: adminReason }),
  ).toBeVisible();
  await expect(
    history.getByRole('row').filter({ hasText: support.name }).filter({ hasText: supportReason }),
  ).toBeVisible();
  await expect(page.getByText('Nobody has signed in as you.')).toHaveCount(0);

  // The API behind it, for the parts the table does not spell out.
  const { entries } = await (await api(member)).account.accessHistory();
  expect(entries.find((e) => e.reason === supportReason)).toMatchObject({
    door: 'operator',
    actor: { name: support.name },
    ticket: 'SUP-1234',
    endReason: 'left',
  });
  expect(entries.find((e) => e.reason === adminReason)).toMatchObject({
    door: 'team',
    actor: { name: admin.name },
    endReason: 'left',
  });
});

test('a page on another site cannot make a signed-in team admin’s browser start an impersonation', async ({
  page,
  signInAs,
  api,
  baseURL,
}) => {
  if (!baseURL) throw new Error('E2E_BASE_URL is set by global-setup.');
  await signInAs(page, admin);
  const janeId = await coworkerProfileId(await api(admin), member.email);

  // Each attempt carries a reason of its own: a hand-off token, once issued, is in Jane's
  // access history with its reason, so each attempt can be looked for there (other tests add
  // entries to the same history at the same time, so "unchanged" is checked per attempt).
  const attempt = { img: `xsite-img-${randomUUID()}`, fetch: `xsite-fetch-${randomUUID()}` };
  const handoffUrl = (reason: string) => {
    const url = new URL(`/api/public/coworkers/${janeId}/impersonate`, baseURL);
    url.searchParams.set('reason', reason);
    return url.href;
  };

  // The attacker's page, on http://localhost:<port> while the portal is http://127.0.0.1:<port>:
  // another site. It embeds the hand-off URL as an image and, below, fetches it with cookies.
  const elsewhere = await serveOtherSite(
    `<!doctype html><html lang="en"><title>You won</title><img alt="" src="${handoffUrl(attempt.img)}"></html>`,
  );
  const wire = await recordWire(page);
  try {
    await page.goto(elsewhere.url);
    const read = await page.evaluate(async (url) => {
      try {
        const response = await fetch(url, { credentials: 'include' });
        return `read ${response.status}`;
      } catch {
        return 'nothing readable';
      }
    }, handoffUrl(attempt.fetch));
    expect(read, 'the other site cannot read the answer').toBe('nothing readable');

    for (const [what, reason] of [
      ['an <img>', attempt.img],
      ['a credentialed fetch', attempt.fetch],
    ] as const) {
      // The request did reach the server (it was not stopped in the browser), marked as
      // cross-site and without the session cookie (SameSite=Lax), and was refused.
      await expect.poll(() => wire.find(reason)?.status, `${what} was answered`).toBeDefined();
      const exchange = wire.find(reason);
      expect(exchange?.sent['sec-fetch-site'], `${what} is marked as cross-site`).toBe(
        'cross-site',
      );
      expect(exchange?.sent.cookie, `${what} carries no session cookie`).toBeUndefined();
      expect(exchange?.status, `${what} of the hand-off URL is refused`).toBe(403);
    }
  } finally {
    await wire.detach();
    await elsewhere.close();
  }

  // Even a request that does carry the admin's cookie is refused when it says it comes from
  // elsewhere…
  const forgedReason = uniqueReason('xsite-forged');
  const forged = await page.request.get(`/api/public/coworkers/${janeId}/impersonate`, {
    params: { reason: forgedReason },
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
  });
  expect(forged.status()).toBe(403);
  expect(((await forged.json()) as ErrorBody).error.code).toBe('csrf_rejected');

  // …while the same request from the portal's own origin is answered: the refusals were about
  // where the request came from, and this session could otherwise have started one.
  const ownReason = uniqueReason('xsite-control');
  const own = await page.request.get(`/api/public/coworkers/${janeId}/impersonate`, {
    params: { reason: ownReason },
    headers: { Origin: new URL(baseURL).origin, 'Sec-Fetch-Site': 'same-origin' },
  });
  expect(own.status()).toBe(200);

  // Nothing was issued for the cross-site attempts, and the admin is still only themself.
  const { entries } = await (await api(member)).account.accessHistory();
  const reasons = entries.map((e) => e.reason);
  expect(reasons, 'the same-origin request left its entry').toContain(ownReason);
  for (const reason of [attempt.img, attempt.fetch, forgedReason]) {
    expect(reasons, 'no hand-off was issued for a cross-site attempt').not.toContain(reason);
  }
  expect(entries.find((e) => e.reason === ownReason)?.startedAt, 'never exchanged').toBeNull();
  const adminSession = await browserSession(page);
  expect(adminSession.user?.email).toBe(admin.email);
  expect(adminSession.actor).toBeUndefined();
});

test('bearer clients impersonate too: the exchanged token acts as the member on the admin’s behalf, leaving returns the admin’s session and kills the token', async ({
  api,
  baseURL,
}) => {
  const adminApi = await api(admin);
  const { session: own } = await adminApi.auth.session();
  const reason = uniqueReason('Bearer client check');

  const impersonation = await impersonateCoworker(
    adminApi,
    baseURL,
    await coworkerProfileId(adminApi, member.email),
    reason,
  );
  expect(impersonation.token).not.toBe('');

  const { session: acting } = await impersonation.as.auth.session();
  expect(acting.user?.email).toBe(member.email);
  expect(acting.activeProfile?.organization.name).toBe(ACME);
  expect(acting.actor?.user.email).toBe(admin.email);
  expect(acting.actor).toMatchObject({ door: 'team', reason });
  expect(acting.authenticationFactors[0]?.type).toBe('impersonated');
  expect(acting.id).not.toBe(own.id);
  // The member's data, read with the impersonation token.
  const { orders } = await impersonation.as.orders.list();
  expect(orders.map((o) => o.number)).toContain('SO-ACME-001');

  // The admin's own bearer token is untouched by the exchange: still the admin.
  const { session: stillOwn } = await adminApi.auth.session();
  expect(stillOwn.id).toBe(own.id);
  expect(stillOwn.actor).toBeUndefined();

  const { session: back } = await impersonation.as.impersonation.leave();
  expect(back.id, 'leave answers with the admin’s own session').toBe(own.id);
  expect(back.user?.email).toBe(admin.email);
  expect(back.actor).toBeUndefined();

  await expect(impersonation.as.auth.session()).rejects.toMatchObject({ status: 401 });
  await expect(impersonation.as.orders.list()).rejects.toMatchObject({ status: 401 });
  expect((await adminApi.auth.session()).session.id).toBe(own.id);
});
