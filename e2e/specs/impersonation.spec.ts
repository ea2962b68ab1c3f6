import { pathOf, routes } from '@onbehalf/contracts/routes';
import type { Person } from '@onbehalf/testing';
import type { Page } from '@playwright/test';
import { findUserRow } from '../fixtures/admin-users.ts';
import { bannerSentence, IMPERSONATION_COOKIE } from '../fixtures/impersonate.ts';
import { recordWire, serveOtherSite } from '../fixtures/other-site.ts';
import { submitSignInForm } from '../fixtures/sign-in-form.ts';
import { expect, test } from '../fixtures/test.ts';

test.describe('team door', () => {
  test('a team admin signs in as a member from "Choose a profile", sees only her view, and leaving returns to the admin’s own, unchanged session while the impersonation session dies', async ({
    page,
    context,
    org,
    api,
    sessionOf,
  }) => {
    const { owner, admin } = org;
    const member = org.members[0];
    const reason = 'Checking why an order is missing';

    await page.goto('/sign-in');
    await submitSignInForm(page, admin.email, admin.password);

    await expect(page).toHaveURL((url) => url.pathname === '/select-profile');
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a profile' })).toBeVisible();
    await expect(
      page.getByRole('heading', { level: 2, name: 'Sign in on behalf of a team member' }),
    ).toBeVisible();
    await expect(page.getByRole('button', { name: new RegExp(`^${org.name}`) })).toBeVisible();
    // Never upward: the owner holds a permission the admin lacks, and the page says so.
    await expect(page.getByRole('button', { name: `Sign in as ${owner.name}` })).toBeDisabled();
    await expect(page.getByText('This member has permissions you do not have.')).toBeVisible();

    const own = await sessionOf(page);
    expect(own?.user?.email).toBe(admin.email);
    expect(own?.actor).toBeUndefined();

    await page.getByRole('button', { name: `Sign in as ${member.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill(reason);
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    // The member's dashboard, as she sees it, with the banner saying who is really there.
    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));
    await expect(banner.getByRole('button', { name: 'Leave Impersonation' })).toBeVisible();
    await expect(page).toHaveURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(member.name);
    await expect(page.getByRole('banner')).not.toContainText(admin.name);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Account' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' }), 'a member may not see Team').toHaveCount(
      0,
    );

    // The server agrees: the member's identity, the admin as actor, the reason kept.
    const acting = await sessionOf(page);
    expect(acting?.user?.email).toBe(member.email);
    expect(acting?.activeProfile?.organization.name).toBe(org.name);
    expect(acting?.actor).toMatchObject({ user: { email: admin.email }, door: 'team', reason });
    expect(acting?.authenticationFactors[0]?.type).toBe('impersonated');
    expect(acting?.id, 'the impersonation has a session of its own').not.toBe(own?.id);

    // The impersonation cookie is the impersonation session's token: it works, for now.
    const cookie = (await context.cookies()).find((c) => c.name === IMPERSONATION_COOKIE);
    if (!cookie) throw new Error(`No ${IMPERSONATION_COOKIE} cookie while impersonating.`);
    expect(cookie.httpOnly, 'page scripts cannot read it').toBe(true);
    const replay = await api({ token: cookie.value });
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
    const back = await sessionOf(page);
    expect(back?.id, 'the admin’s own session was kept, not re-minted').toBe(own?.id);
    expect(back?.user?.email).toBe(admin.email);
    expect(back?.actor).toBeUndefined();
    expect((await context.cookies()).map((c) => c.name)).not.toContain(IMPERSONATION_COOKIE);

    // And the impersonation session is dead on the server, not merely forgotten by the browser.
    await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });
  });

  test('a team admin signs in as a member with "Impersonate account" on the team page and leaves again', async ({
    page,
    org,
    signIn,
    sessionOf,
  }) => {
    const { owner, admin } = org;
    const member = org.members[1];
    await signIn(page, admin);
    await page.goto('/team');
    await expect(page.getByRole('heading', { level: 1, name: 'Team permissions' })).toBeVisible();
    const members = page.getByRole('table', { name: 'Team members' });
    await expect(members.getByRole('row').filter({ hasText: member.email })).toBeVisible();
    await expect(
      members.getByRole('button', { name: `Impersonate account: ${owner.name}`, exact: true }),
      'never upward',
    ).toBeDisabled();
    await expect(members.getByText('This member has permissions you do not have.')).toBeVisible();

    await members
      .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await expect(dialog.getByRole('textbox', { name: 'Reason (optional)' })).toBeVisible();
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));
    await expect(page.getByRole('banner')).toContainText(member.name);
    expect((await sessionOf(page))?.user?.email).toBe(member.email);

    // The member's own account matters stay theirs: the page offers none of them to the admin.
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
    await expect(page.getByRole('banner')).not.toContainText(member.name);
    expect((await sessionOf(page))?.user?.email).toBe(admin.email);
  });

  test('after an impersonation starts, nothing of the admin’s own view is left on screen, and after leaving nothing of the member’s', async ({
    page,
    org,
    signIn,
  }) => {
    const { owner, admin } = org;
    const member = org.members[0];
    await signIn(page, admin);
    await page.goto('/team');
    const members = page.getByRole('table', { name: 'Team members' });
    await expect(members.getByRole('row').filter({ hasText: owner.email })).toBeVisible();

    await members
      .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
      .click();
    const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
    await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill('Stale data check');
    await dialog.getByRole('button', { name: 'Start impersonation' }).click();

    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));
    await expect(page.getByRole('banner')).toContainText(member.name);
    await expect(page.getByRole('banner')).not.toContainText(admin.name);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Team' })).toHaveCount(0);

    // Back to /team inside the running app (page.goto would reload it and so empty any cache,
    // proving nothing): the member may not see the team, and the admin's table must not come back.
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

    // The admin's team page again, live: the member may be impersonated once more (nothing of
    // the ended impersonation, such as "leave the current impersonation first", lingers).
    await nav.getByRole('link', { name: 'Team' }).click();
    await expect(members.getByRole('row').filter({ hasText: owner.email })).toBeVisible();
    await expect(
      members.getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true }),
    ).toBeEnabled();
  });

  test('an impersonation ends at its time limit: the banner goes, the admin is back in their own session, and the impersonation token no longer works', async ({
    page,
    context,
    org,
    impersonate,
    clock,
    api,
    sessionOf,
  }) => {
    const { admin } = org;
    const member = org.members[0];
    const started = await impersonate(page, { actor: admin, target: member, reason: 'Timeout' });
    expect(started.user?.email).toBe(member.email);
    const cookie = (await context.cookies()).find((c) => c.name === IMPERSONATION_COOKIE);
    if (!cookie) throw new Error(`No ${IMPERSONATION_COOKIE} cookie while impersonating.`);
    const replay = await api({ token: cookie.value });

    await page.goto('/');
    const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
    await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));

    // The limit is an hour at most (SPEC §4): past it, the server ends it on the next request.
    await clock.advance(61 * 60_000);
    await page.reload();
    await expect(banner).toHaveCount(0);
    await expect(page.getByText('The impersonation reached its time limit.')).toBeVisible();
    await expect(page.getByRole('banner')).toContainText(admin.name);
    const back = await sessionOf(page);
    expect(back?.user?.email).toBe(admin.email);
    expect(back?.actor).toBeUndefined();
    await expect(replay.auth.session()).rejects.toMatchObject({ status: 401 });
  });
});

test('support staff impersonate a customer from Admin › Users and see exactly that organization’s data, never an operator above them', async ({
  page,
  org,
  newOrg,
  operator,
  signIn,
  api,
  sessionOf,
}) => {
  const member = org.members[0];
  const reason = 'Customer cannot find an order';
  const support = await operator('support');
  const higher = await operator('admin');
  // An order in this organization, and one in another, which must not show.
  const { order: own } = await (await api(org.members[1])).orders.place({
    sku: 'PAPER-A4',
    quantity: 1,
  });
  const other = await newOrg();
  const { order: elsewhere } = await (await api(other.members[0])).orders.place({
    sku: 'PAPER-A4',
    quantity: 1,
  });

  await signIn(page, support);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/admin/users');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

  // Support may not impersonate an operator of a higher role.
  const operatorRow = await findUserRow(page, higher.email);
  await expect(
    operatorRow.getByRole('button', { name: `Sign in as ${higher.name}` }),
  ).toBeDisabled();

  const memberRow = await findUserRow(page, member.email);
  await expect(page.getByRole('table', { name: 'Users' }).getByRole('row')).toHaveCount(2);
  await memberRow.getByRole('button', { name: `Sign in as ${member.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('textbox', { name: 'Ticket reference' }).fill('SUP-1234');
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();

  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(member.name, org.name, support.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(member.name);
  // This organization's order first, so the absence of the other's is checked on loaded data.
  const orders = page.getByRole('table', { name: 'Orders' });
  await expect(orders.getByRole('row').filter({ hasText: own.number })).toBeVisible();
  await expect(orders.getByRole('row').filter({ hasText: elsewhere.number })).toHaveCount(0);

  const acting = await sessionOf(page);
  expect(acting?.user?.email).toBe(member.email);
  expect(acting?.activeProfile?.organization.name).toBe(org.name);
  expect(acting?.actor).toMatchObject({
    user: { email: support.email },
    door: 'operator',
    reason,
  });

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  await expect(
    page.getByRole('status').filter({ hasText: 'You have left the impersonation.' }),
  ).toBeVisible();
  await expect(banner).toHaveCount(0);
  expect((await sessionOf(page))?.user?.email).toBe(support.email);
});

test('an operator who makes sign-in links uses "Sign in as…" in Admin › Users: with a reason he lands in the customer’s view with the banner, the customer sees who holds a session as him, and his access history shows it with the reason', async ({
  page,
  org,
  operator,
  signIn,
  newPage,
  api,
  sessionOf,
}) => {
  const member = org.members[0];
  const reason = 'Reorder button does nothing';
  const ops = await operator('admin');

  await signIn(page, ops);
  await page.goto('/admin/users');
  const row = await findUserRow(page, member.email);
  // One way to act as a customer, and one way to send them a link: no URL is ever shown.
  await expect(row.getByRole('button', { name: /^Impersonate / })).toHaveCount(0);
  await expect(row.getByRole('button', { name: /one-click/i })).toHaveCount(0);

  await row.getByRole('button', { name: `Sign in as ${member.name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
  await expect(dialog).toContainText('This is an impersonation');
  // No reason, no impersonation.
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();
  await expect(dialog.getByText('Give a reason of at least 3 characters.')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await dialog.getByRole('textbox', { name: 'Ticket reference' }).fill('SUP-2001');
  await dialog.getByRole('button', { name: 'Start impersonation' }).click();

  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(member.name, org.name, ops.name));
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(member.name);
  const acting = await sessionOf(page);
  expect(acting?.user?.email).toBe(member.email);
  expect(acting?.actor).toMatchObject({ user: { email: ops.email }, door: 'operator', reason });

  // The customer, at their own computer meanwhile: someone holds a session as them, named with
  // the role.
  const customer = await newPage(member);
  await customer.goto('/account');
  await expect(
    customer
      .getByRole('table', { name: 'Your sessions' })
      .getByRole('row')
      .filter({ hasText: `Used by ${ops.name} (support admin)` }),
  ).toBeVisible();

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();
  expect((await sessionOf(page))?.user?.email).toBe(ops.email);

  // The customer's access history: the operator, with the reason, through the link he made
  // for himself.
  await customer.reload();
  const entry = customer.getByRole('table', { name: 'Access history' }).getByRole('row').nth(1);
  await expect(entry).toContainText(reason);
  await expect(entry).toContainText(`${ops.name} · Support`);
  await expect(entry).toContainText('Ticket SUP-2001');
  await expect(entry).toContainText('With a sign-in link they made for themselves');
  await expect(entry).toContainText('The person acting left the impersonation.');
  const { entries } = await (await api(member)).account.accessHistory();
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    reason,
    door: 'operator',
    actor: { name: ops.name, kind: 'operator', operatorRole: 'admin' },
    via: { kind: 'one_click' },
    endReason: 'left',
  });
});

test('a member’s access history lists the team admin and the support agent who signed in as her, with the reason', async ({
  page,
  org,
  operator,
  signIn,
  api,
  impersonateAndLeave,
}) => {
  const { admin } = org;
  const member = org.members[0];
  const support = await operator('support');
  const adminReason = 'Helping with a reorder';
  const supportReason = 'Customer cannot find invoice';
  await impersonateAndLeave({ door: 'team', actor: admin, target: member, reason: adminReason });
  await impersonateAndLeave({
    door: 'operator',
    actor: support,
    target: member,
    reason: supportReason,
    ticket: 'SUP-1234',
  });

  await signIn(page, member);
  await page.goto('/');
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
  const rows = history.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: admin.name })).toContainText(adminReason);
  await expect(rows.filter({ hasText: support.name })).toContainText(supportReason);
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

test('a member signed in as many times pages through her access history', async ({
  page,
  org,
  signIn,
  api,
}) => {
  const member = org.members[0];
  const admin = await api(org.admin);
  // One more than a page and a half: the first page, then the rest on demand.
  const times = 52;
  for (let i = 1; i <= times; i++) {
    const { token: handoff } = await admin.impersonation.teamHandoff(
      member.profileId,
      `Reorder ${String(i).padStart(2, '0')}`,
    );
    const { token } = await admin.impersonation.exchange(handoff);
    if (!token) throw new Error('The exchange gave a bearer client no impersonation session.');
    await (await api({ token })).impersonation.leave();
  }

  await signIn(page, member);
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'Access history' });
  const history = section.getByRole('table', { name: 'Access history' });
  const rows = history.getByRole('row').filter({ has: page.getByRole('cell') });
  const summary = section.getByRole('status').filter({ hasText: /^Showing / });
  const loadMore = section.getByRole('button', { name: 'Load more' });

  await expect(rows).toHaveCount(50);
  await expect(summary).toHaveText('Showing the first 50 impersonations.');
  // Newest first.
  await expect(rows.first()).toContainText('Reorder 52');
  await expect(rows.filter({ hasText: 'Reorder 01' })).toHaveCount(0);
  // The integrations are listed apart, under their own heading, once.
  await expect(section.getByRole('heading', { level: 3, name: 'Integrations' })).toHaveCount(1);

  await loadMore.click();
  await expect(rows).toHaveCount(times);
  await expect(summary).toHaveText(`Showing all ${times} impersonations.`);
  await expect(rows.last()).toContainText('Reorder 01');
  await expect(loadMore).toHaveCount(0);
});

test('a page on another site cannot make a signed-in team admin’s browser start an impersonation', async ({
  plainPage,
  org,
  signIn,
  api,
  pageApi,
  sessionOf,
  baseURL,
}) => {
  if (!baseURL) throw new Error('The suite runs with a baseURL.');
  const { admin } = org;
  const member = org.members[0];
  // The kit's clock header, on a request from another site, would make Chromium ask a CORS
  // preflight first, and the test would be about that preflight instead.
  const page = await plainPage();
  await signIn(page, admin);

  // Each attempt carries a reason of its own: a hand-off token, once issued, is in the
  // member's access history with its reason, so each attempt can be looked for there.
  const attempt = { img: 'xsite-img', fetch: 'xsite-fetch' };
  const handoffUrl = (reason: string) => {
    const path = pathOf(routes['impersonation.teamHandoff'].path, {
      coworkerId: member.profileId,
    });
    const url = new URL(path, baseURL);
    url.searchParams.set('reason', reason);
    return url.href;
  };

  // The attacker's page, on http://localhost:<port> while the portal is on 127.0.0.1 (or the
  // other way round): another site. It embeds the hand-off URL as an image and, below, fetches
  // it with cookies.
  const elsewhere = await serveOtherSite(
    `<!doctype html><html lang="en"><title>You won</title><img alt="" src="${handoffUrl(attempt.img)}"></html>`,
    baseURL,
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
  const forged = pageApi(page, {
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
  });
  await expect(
    forged.impersonation.teamHandoff(member.profileId, 'xsite-forged'),
  ).rejects.toMatchObject({ status: 403, code: 'csrf_rejected' });

  // …while the same request from the portal's own origin is answered: the refusals were about
  // where the request came from, and this session could otherwise have started one.
  const own = pageApi(page, {
    headers: { Origin: new URL(baseURL).origin, 'Sec-Fetch-Site': 'same-origin' },
  });
  await expect(
    own.impersonation.teamHandoff(member.profileId, 'xsite-control'),
  ).resolves.toMatchObject({ token: expect.any(String) });

  // Nothing was issued for the cross-site attempts, and the admin is still only themself.
  const { entries } = await (await api(member)).account.accessHistory();
  expect(entries.map((e) => e.reason)).toEqual(['xsite-control']);
  expect(entries[0]?.startedAt, 'never exchanged').toBeNull();
  const adminSession = await sessionOf(page);
  expect(adminSession?.user?.email).toBe(admin.email);
  expect(adminSession?.actor).toBeUndefined();
});

test('bearer clients impersonate too: the exchanged token acts as the member on the admin’s behalf, leaving returns the admin’s session and kills the token', async ({
  org,
  api,
}) => {
  const { admin } = org;
  const member = org.members[0];
  const adminApi = await api(admin);
  const { session: own } = await adminApi.auth.session();
  const reason = 'Bearer client check';
  const { order } = await (await api(member)).orders.place({ sku: 'DESK-LAMP', quantity: 1 });

  const { token: handoff } = await adminApi.impersonation.teamHandoff(member.profileId, reason);
  const { token } = await adminApi.impersonation.exchange(handoff);
  if (!token) throw new Error('A bearer client got no token from the exchange.');
  const acting = await api({ token });

  const { session } = await acting.auth.session();
  expect(session.user?.email).toBe(member.email);
  expect(session.activeProfile?.organization.name).toBe(org.name);
  expect(session.actor?.user.email).toBe(admin.email);
  expect(session.actor).toMatchObject({ door: 'team', reason });
  expect(session.authenticationFactors[0]?.type).toBe('impersonated');
  expect(session.id).not.toBe(own.id);
  // The member's data, read with the impersonation token.
  const { orders } = await acting.orders.list();
  expect(orders.map((o) => o.number)).toContain(order.number);

  // The admin's own bearer token is untouched by the exchange: still the admin.
  const { session: stillOwn } = await adminApi.auth.session();
  expect(stillOwn.id).toBe(own.id);
  expect(stillOwn.actor).toBeUndefined();

  const { session: back } = await acting.impersonation.leave();
  expect(back.id, 'leave answers with the admin’s own session').toBe(own.id);
  expect(back.user?.email).toBe(admin.email);
  expect(back.actor).toBeUndefined();

  await expect(acting.auth.session()).rejects.toMatchObject({ status: 401 });
  await expect(acting.orders.list()).rejects.toMatchObject({ status: 401 });
  expect((await adminApi.auth.session()).session.id).toBe(own.id);
});

/** The team admin on their own dashboard, and where its impersonation banner would be. */
async function onOwnDashboard(
  page: Page,
  signIn: (page: Page, person: Person) => Promise<unknown>,
  admin: Person,
) {
  await signIn(page, admin);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 2, name: 'Place an order' })).toBeVisible();
  return page.getByRole('region', { name: 'Impersonation', exact: true });
}

test('a tab still showing the team admin’s own dashboard places no order as the member the browser now acts as: it says so and catches up', async ({
  page,
  org,
  signIn,
  api,
  pageApi,
}) => {
  const { admin } = org;
  const member = org.members[0];
  const banner = await onOwnDashboard(page, signIn, admin);

  // Something else with this browser's cookies starts an impersonation and tells no tab (a
  // window of an older portal, a tab whose script is asleep): this tab cannot know.
  const elsewhere = pageApi(page);
  const { token } = await elsewhere.impersonation.teamHandoff(member.profileId, 'Checking');
  await elsewhere.impersonation.exchange(token);

  // The tab still shows the admin's own dashboard, no banner: its order is refused.
  await expect(banner).toHaveCount(0);
  await page.getByRole('spinbutton', { name: 'Quantity' }).fill('2');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'This page was showing someone else' }),
  ).toBeVisible();
  // And it caught up: it shows who the browser now acts as, with the banner.
  await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));
  expect((await (await api(member)).orders.list()).orders).toEqual([]);
  expect((await (await api(admin)).orders.list()).orders).toEqual([]);
});

test('the portal’s other tabs follow at once when one starts an impersonation, leaves it and signs out', async ({
  page,
  org,
  signIn,
}) => {
  const { admin } = org;
  const member = org.members[0];
  const banner = await onOwnDashboard(page, signIn, admin);

  const other = await page.context().newPage();
  await other.goto('/team');
  await other
    .getByRole('table', { name: 'Team members' })
    .getByRole('button', { name: `Impersonate account: ${member.name}`, exact: true })
    .click();
  await other
    .getByRole('dialog', { name: `Sign in as ${member.name}` })
    .getByRole('button', { name: 'Start impersonation' })
    .click();
  const otherBanner = other.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(otherBanner).toContainText(bannerSentence(member.name, org.name, admin.name));
  // The first tab, untouched, shows the banner too: it was told, and read the session.
  await expect(banner).toContainText(bannerSentence(member.name, org.name, admin.name));

  await otherBanner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(otherBanner).toHaveCount(0);
  await expect(banner).toHaveCount(0);
  await expect(page.getByRole('banner')).toContainText(admin.name);

  await other.getByRole('button', { name: 'Sign out' }).click();
  await expect(other).toHaveURL(/\/sign-in/);
  await expect(page).toHaveURL(/\/sign-in/);
});
