import { expect, test } from '../fixtures/test.ts';

test.describe('cross-site request protection', () => {
  const foreignRequests: { what: string; headers: Record<string, string> }[] = [
    {
      what: 'another site’s page (Origin and Sec-Fetch-Site both say so)',
      headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    },
    {
      what: 'a foreign Origin alone',
      headers: { Origin: 'https://evil.example' },
    },
    {
      what: 'a sibling subdomain (Sec-Fetch-Site: same-site)',
      headers: { 'Sec-Fetch-Site': 'same-site' },
    },
  ];

  for (const { what, headers } of foreignRequests) {
    test(`a cookie-authenticated sign-out sent from ${what} is refused and the session survives`, async ({
      page,
      org,
      signIn,
      pageApi,
      sessionOf,
      baseURL,
    }) => {
      const session = await signIn(page, org.members[0]);

      await expect(pageApi(page, { headers }).auth.signOut()).rejects.toMatchObject({
        status: 403,
        code: 'csrf_rejected',
      });
      expect((await sessionOf(page))?.id, 'the session is still valid').toBe(session.id);

      // The same request from the portal's own origin does sign out: the refusal above was
      // about where the request came from, not about the request itself.
      const own = pageApi(page, {
        headers: { Origin: new URL(baseURL ?? '').origin, 'Sec-Fetch-Site': 'same-origin' },
      });
      await own.auth.signOut();
      expect(await sessionOf(page)).toBeNull();
    });
  }
});

test('the portal is served with a CSP that forbids framing, no referrer and nosniff', async ({
  request,
}) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/html');

  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
});

test('the OpenAPI 3.1 document describes the API, sign-in included', async ({ request }) => {
  const response = await request.get('/api/openapi.json');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');

  const document = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
  };
  expect(document.openapi).toBe('3.1.0');
  expect(Object.keys(document.paths)).toContain('/api/public/auth/sign-in');
  expect(Object.keys(document.paths['/api/public/auth/sign-in'] ?? {})).toContain('post');
});
