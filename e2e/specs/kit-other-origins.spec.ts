import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_CLOCK_HEADER } from '@onbehalf/contracts/test-mode';
import { expect, test } from '../fixtures/test.ts';

// The page of a customer's suite talks to other origins too: their own app's API, a CDN, an
// analytics pixel. The test's clock is the server's business alone: sent elsewhere, it told
// third parties its name and turned the page's simple cross-origin fetches into preflighted
// ones that failed (found by a review of the kit).
test('the test clock goes to the server only: another origin gets no header, and its fetch works as without the kit', async ({
  page,
  org,
  signIn,
  clock,
}) => {
  const seen: IncomingHttpHeaders[] = [];
  const elsewhere = createServer((request, response) => {
    seen.push(request.headers);
    response
      .writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' })
      .end('elsewhere');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  // Two more origins: this machine by another name, and by its address.
  const { port } = elsewhere.address() as AddressInfo;
  const [other, third] = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  try {
    await signIn(page, org.members[0]);
    await page.goto('/');
    // A page of the app under test, elsewhere, fetching from a third origin (a simple request,
    // which needs no preflight unless a header is added to it).
    await page.goto(`${other}/app`);
    const fetched = await page.evaluate(async (url) => (await fetch(url)).text(), `${third}/api`);
    expect(fetched).toBe('elsewhere');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((headers) => TEST_CLOCK_HEADER in headers)).toEqual([]);
    // The server's own requests still run on the test's clock: moved past the session's life,
    // the page is signed out.
    await clock.advance(13 * 3_600_000);
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in/);
  } finally {
    await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
  }
});

// A page's own request context is not routed as its pages are: it is told the clock per call
// (found by a review: after `clock.advance`, `page.request` ran on the shared clock, and its
// refusal signed the page out).
test('page.request and the request fixture run on the test clock, as the page does', async ({
  page,
  request,
  org,
  signIn,
  clock,
}) => {
  await clock.advance(24 * 3_600_000);
  await signIn(page, org.members[0]);
  await page.goto('/');
  const fromPage = () =>
    page.evaluate(async () => (await fetch('/api/public/auth/session')).status);
  expect(await fromPage()).toBe(200);
  expect((await page.request.get('/api/public/auth/session')).status()).toBe(200);
  expect(await fromPage()).toBe(200);
  // A session the request fixture opens lives on the test's clock too: read a day ahead of
  // the shared one, it would have ended long ago.
  const { email, password } = org.members[1];
  const opened = await request.post('/api/public/auth/sign-in', { data: { email, password } });
  const { token } = (await opened.json()) as { token: string };
  const read = await page.request.get('/api/public/auth/session', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(((await read.json()) as { session: { user: { email: string } } }).session.user.email).toBe(
    email,
  );
});
