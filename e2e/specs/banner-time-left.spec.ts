import { expect, test } from '../fixtures/test.ts';

// SPEC §4: the banner says how long the impersonation has left ("ends in 42 min"), and the
// server decides when it ends. The banner counted down from the browser's own clock, which is
// neither the server's nor, often, right (found by a review).

const SESSION_PATH = '/api/public/auth/session';

test('the banner’s time left is the server’s, even when the browser’s clock runs two hours ahead', async ({
  page,
  org,
  impersonate,
}) => {
  const member = org.members[0];
  // A laptop whose clock is wrong (a dead CMOS battery, a VM resumed from a snapshot, a
  // hand-set time zone): two hours ahead of everyone else.
  await page.clock.install({ time: new Date(Date.now() + 2 * 3_600_000) });
  await impersonate(page, { actor: org.admin, target: member, reason: 'Clock skew' });

  const sessionReads: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === SESSION_PATH) sessionReads.push(request.url());
  });
  await page.goto('/');
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner).toContainText(`You are signed in as ${member.name}`);
  // It has just started: about an hour is left, as the server holds it.
  await expect(banner).toContainText(/ends in (59|60) min/);

  // Nor does the page, believing the time up, ask the server every three seconds for an hour.
  const before = sessionReads.length;
  await page.clock.runFor(15_000);
  // A request the page sends now goes after any its timers sent: once it is seen, so are they.
  await Promise.all([
    page.waitForRequest((request) => new URL(request.url()).pathname === '/api/health'),
    page.evaluate(() => fetch('/api/health')),
  ]);
  expect(
    sessionReads.length - before,
    'session reads in 15 s of a running impersonation',
  ).toBeLessThanOrEqual(1);
  await expect(banner).toBeVisible();
});

test('with the kit’s clock moved half an hour on, the banner says half an hour is left, as the server does', async ({
  page,
  org,
  impersonate,
  clock,
  pageApi,
}) => {
  const member = org.members[0];
  const started = await impersonate(page, { actor: org.admin, target: member });
  const endsAt = started.actor?.endsAt;
  if (!endsAt) throw new Error('The impersonation has no end.');

  await clock.advance(30 * 60_000);
  await page.goto('/');
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  // The server still runs it: half an hour of it is left on the server's clock.
  expect((await pageApi(page).auth.session()).session.actor?.endsAt).toBe(endsAt);
  const leftOnServer = Date.parse(endsAt) - (await clock.now()).getTime();
  expect(Math.ceil(leftOnServer / 60_000)).toBeLessThanOrEqual(30);
  await expect(banner).toContainText(/ends in (29|30) min/);
});
