import { readFile } from 'node:fs/promises';
import type { AuditEvent } from '@onbehalf/contracts/audit';
import type { Locator, Page } from '@playwright/test';
import { findUserRow } from '../fixtures/admin-users.ts';
import { bannerSentence } from '../fixtures/impersonate.ts';
import { expect, test } from '../fixtures/test.ts';

/** The data rows of a table (the header row has no cells). */
const bodyRows = (page: Page, table: Locator) =>
  table.getByRole('row').filter({ has: page.getByRole('cell') });

/** The cells of a row, by column: row headers and cells alike. */
const cellsOf = (row: Locator) => row.locator('th, td');

test('an operator’s impersonation is on the record: the audit trail, the impersonation’s timeline and the customer’s access history show who did what as whom', async ({
  page,
  org,
  operator,
  signIn,
  newPage,
  api,
  sessionOf,
}) => {
  const member = org.members[0];
  const support = await operator('support');
  const reason = 'Order does not arrive';

  // Support impersonates the member from Admin › Users.
  await signIn(page, support);
  await page.goto('/admin/users');
  const row = await findUserRow(page, member.email);
  await row.getByRole('button', { name: `Sign in as ${member.name}` }).click();
  const start = page.getByRole('dialog', { name: `Sign in as ${member.name}` });
  await start.getByRole('textbox', { name: 'Reason' }).fill(reason);
  await start.getByRole('button', { name: 'Start impersonation' }).click();
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(bannerSentence(member.name, org.name, support.name));
  const impersonationId = (await sessionOf(page))?.actor?.impersonationId;
  if (!impersonationId) throw new Error('The session names no impersonation.');

  // As the member: an order.
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const product = page.getByRole('combobox', { name: 'Product' });
  const toner = await product
    .locator('option', { hasText: 'Black toner cartridge' })
    .getAttribute('value');
  if (toner === null) throw new Error('The Product select offers no black toner.');
  await product.selectOption(toner);
  await page.getByRole('spinbutton', { name: 'Quantity' }).fill('2');
  await page.getByRole('button', { name: 'Place order' }).click();
  const confirmation = page.getByRole('status').filter({ hasText: /Order \S+ placed\./ });
  await expect(confirmation).toBeVisible();
  const orderNumber = /Order (\S+) placed\./.exec((await confirmation.textContent()) ?? '')?.[1];
  if (!orderNumber) throw new Error('The confirmation names no order.');

  await banner.getByRole('button', { name: 'Leave Impersonation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Backoffice' })).toBeVisible();

  // The trail, filtered to this impersonation from the form; the filter lands in the address.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/admin/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Impersonation ID' }).fill(impersonationId);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(
    (url) => url.searchParams.get('impersonationId') === impersonationId,
  );

  // Newest first: the end, the order, the start, the token that was issued for it.
  const events = page.getByRole('table', { name: 'Audit events' });
  for (const column of ['When', 'Event', 'Actor', 'Subject', 'Organization', 'Reason']) {
    await expect(events.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
  }
  const rows = bodyRows(page, events);
  const newestFirst = [
    'Impersonation ended',
    'Order placed',
    'Impersonation started',
    'Impersonation token issued',
  ];
  await expect(rows).toHaveCount(newestFirst.length);
  for (const [i, label] of newestFirst.entries()) {
    const cells = cellsOf(rows.nth(i));
    await expect(cells.nth(1), `row ${i + 1}`).toHaveText(label);
    await expect(cells.nth(2), `${label}: the actor`).toContainText(support.name);
    await expect(cells.nth(3), `${label}: the subject`).toHaveText(member.name);
  }
  await expect(rows.filter({ hasText: 'Impersonation started' })).toContainText(reason);

  // The same through the API, which also ties the order to its number.
  const { events: recorded } = await (await api(support)).audit.list({ impersonationId });
  expect(recorded.map((e) => e.type)).toEqual([
    'impersonation.ended',
    'order.placed',
    'impersonation.started',
    'impersonation.token_issued',
  ]);
  const order = recorded.find((e) => e.type === 'order.placed') as AuditEvent;
  expect(order).toMatchObject({
    actor: { name: support.name },
    subject: { name: member.name },
    organization: { name: org.name },
    impersonationId,
  });

  // Every field of one event, in its dialog.
  await events.getByRole('button', { name: `Details of event ${order.id}` }).click();
  const details = page.getByRole('dialog', { name: `Event ${order.id}` });
  await expect(details).toContainText('Order placed');
  await expect(details).toContainText(support.name);
  await expect(details).toContainText(member.name);
  await expect(details).toContainText(orderNumber);
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);

  // The impersonation's own page: the same story, oldest first.
  await rows.first().getByRole('link', { name: 'View impersonation' }).click();
  await expect(page).toHaveURL(
    (url) => url.pathname === `/admin/impersonations/${encodeURIComponent(impersonationId)}`,
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonation' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Timeline' })).toBeVisible();
  await expect(page.getByText(reason)).toBeVisible();
  const timeline = page.getByRole('table', { name: 'Impersonation timeline' });
  const steps = bodyRows(page, timeline);
  const oldestFirst = [...newestFirst].reverse();
  await expect(steps).toHaveCount(oldestFirst.length);
  for (const [i, label] of oldestFirst.entries()) {
    const cells = cellsOf(steps.nth(i));
    await expect(cells.nth(1), `step ${i + 1}`).toHaveText(label);
    await expect(cells.nth(2), `${label}: the actor`).toContainText(support.name);
    await expect(cells.nth(3), `${label}: the subject`).toHaveText(member.name);
  }
  await expect(steps.filter({ hasText: 'Order placed' })).toContainText(`Order ${orderNumber}`);

  // The member's own access history names the operator and the reason.
  const customer = await newPage(member);
  await customer.goto('/account');
  const history = customer.getByRole('table', { name: 'Access history' });
  await expect(
    history.getByRole('row').filter({ hasText: support.name }).filter({ hasText: reason }),
  ).toBeVisible();
});

test('the filtered audit trail downloads as CSV and NDJSON holding exactly the events shown', async ({
  page,
  org,
  operator,
  signIn,
  impersonateAndLeave,
}) => {
  const member = org.members[0];
  const support = await operator('support');
  // An impersonation of its own (token issued, started, ended), so the export is small and known.
  const impersonationId = await impersonateAndLeave({
    door: 'operator',
    actor: support,
    target: member,
    reason: 'Export check',
  });

  await signIn(page, await operator('admin'));
  await page.goto(`/admin/audit?impersonationId=${encodeURIComponent(impersonationId)}`);
  await expect(
    page.getByRole('textbox', { name: 'Impersonation ID' }),
    'the filter is read from the address',
  ).toHaveValue(impersonationId);
  const rows = bodyRows(page, page.getByRole('table', { name: 'Audit events' }));
  await expect(rows).toHaveCount(3);

  const [csvDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
  const csv = await readFile(await csvDownload.path(), 'utf8');
  const [header, ...lines] = csv.split(/\r?\n/).filter((line) => line !== '');
  expect(header?.split(',').slice(0, 3)).toEqual(['id', 'at', 'type']);
  for (const column of ['actor_name', 'subject_name', 'impersonation_id', 'reason']) {
    expect(header?.split(','), 'the header row names the column').toContain(column);
  }
  expect(lines).toHaveLength(3);
  for (const line of lines) {
    expect(line).toContain(impersonationId);
    expect(line).toContain(member.name);
  }
  expect(lines.map((line) => line.split(',')[2])).toEqual([
    'impersonation.ended',
    'impersonation.started',
    'impersonation.token_issued',
  ]);

  const [ndjsonDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export NDJSON' }).click(),
  ]);
  const ndjson = await readFile(await ndjsonDownload.path(), 'utf8');
  const exported = ndjson
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
  expect(exported.map((e) => e.type)).toEqual([
    'impersonation.ended',
    'impersonation.started',
    'impersonation.token_issued',
  ]);
  for (const event of exported) {
    expect(event).toMatchObject({
      impersonationId,
      actor: { name: support.name },
      subject: { name: member.name },
    });
  }
});

test('an export the server refuses says why on a page, not as a failed download', async ({
  page,
  operator,
  signIn,
}) => {
  await signIn(page, await operator('admin'));
  await page.goto('/admin/audit');
  await expect(page.getByRole('link', { name: 'Export CSV' })).toBeVisible();
  // The page's own reads are answered first: one still on its way when the cookie goes would
  // find the session ended and rightly send the page to sign-in before the link is used.
  await expect(page.getByRole('table', { name: 'Audit events' })).toBeVisible();
  // The session ends while the page is open (here: its cookie is gone), then the link is used.
  await page.context().clearCookies();
  const refused = page.waitForResponse((res) => res.url().includes('/export'));
  await page.getByRole('link', { name: 'Export CSV' }).click();
  expect((await refused).status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'Sign in to continue.' })).toBeVisible();
  await expect(page.getByText('unauthenticated')).toBeVisible();
  await page.getByRole('link', { name: 'open the portal' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();
});

test('“Verify chain” checks the whole trail and reports it intact', async ({
  page,
  operator,
  signIn,
}) => {
  await signIn(page, await operator('support'));
  await page.goto('/admin/audit');
  await expect(page.getByRole('table', { name: 'Audit events' })).toBeVisible();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const verdict = page.getByText(/Audit trail intact: \d+ events verified\./);
  await expect(verdict).toBeVisible({ timeout: 15_000 });
  const checked = Number(/(\d+) events/.exec((await verdict.textContent()) ?? '')?.[1]);
  expect(checked, 'this test’s own operator and sign-in at least').toBeGreaterThan(1);
});

test('a team admin’s audit trail holds the organization’s events and nothing of another organization’s', async ({
  page,
  org,
  newOrg,
  operator,
  signIn,
  api,
  impersonateAndLeave,
}) => {
  // Two impersonations: one in this organization through the team door, one in another by
  // support. This organization's team admin must see the first and not the second.
  const { admin } = org;
  const other = await newOrg();
  const ownReason = 'Team audit: ours';
  const otherReason = 'Team audit: theirs';
  const adminApi = await api(admin);
  await impersonateAndLeave({
    door: 'team',
    actor: admin,
    target: org.members[0],
    reason: ownReason,
  });
  const otherId = await impersonateAndLeave({
    door: 'operator',
    actor: await operator('support'),
    target: other.members[0],
    reason: otherReason,
  });

  await signIn(page, admin);
  await page.goto('/team');
  await page.getByRole('link', { name: 'Team audit trail' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/team/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Team audit trail' })).toBeVisible();
  const rows = bodyRows(page, page.getByRole('table', { name: 'Audit events' }));
  const started = rows.filter({ hasText: ownReason }).filter({ hasText: 'Impersonation started' });
  await expect(started).toHaveCount(1);
  await expect(started).toContainText(admin.name);
  await expect(started).toContainText(org.members[0].name);
  await expect(rows.filter({ hasText: otherReason })).toHaveCount(0);

  // The impersonation's page, in the team's own part of the portal.
  await started.getByRole('link', { name: 'View impersonation' }).click();
  await expect(page).toHaveURL((url) => url.pathname.startsWith('/team/impersonations/'));
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonation' })).toBeVisible();
  await expect(page.getByText(ownReason)).toBeVisible();
  await expect(
    bodyRows(page, page.getByRole('table', { name: 'Impersonation timeline' })),
  ).toHaveCount(3);

  // The API behind it agrees: every event is this organization's, and it does not know the
  // other organization's impersonation.
  const { events } = await adminApi.audit.teamList();
  expect(events.map((e) => e.reason)).toContain(ownReason);
  expect(events.filter((e) => e.organization?.id !== org.id)).toEqual([]);
  expect(events.filter((e) => e.impersonationId === otherId)).toEqual([]);
  await expect(adminApi.audit.teamImpersonation(otherId)).rejects.toMatchObject({
    status: 404,
  });
});

test('while signed in as someone else, the team audit trail says it is not available instead of failing', async ({
  page,
  org,
  impersonate,
}) => {
  // The owner signs in as the team admin, who may read the team's trail himself.
  await impersonate(page, { actor: org.owner, target: org.admin, reason: 'Audit check' });
  await page.goto('/team/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Team audit trail' })).toBeVisible();
  await expect(
    page.getByText('Not available while you are signed in as someone else.'),
  ).toBeVisible();
  // The portal did not ask: no refusal shown, no table of events.
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Audit events' })).toHaveCount(0);

  await page
    .getByRole('region', { name: 'Impersonation', exact: true })
    .getByRole('button', { name: 'Leave Impersonation' })
    .click();
  await expect(page.getByRole('region', { name: 'Impersonation', exact: true })).toHaveCount(0);
});
