import type { SessionResponse, SignedInResponse } from '@onbehalf/contracts/auth';
import type { ErrorBody } from '@onbehalf/contracts/errors';
import { personas } from '../fixtures/personas.ts';
import { expect, test } from '../fixtures/test.ts';

const { solo } = personas;

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
      request,
    }) => {
      const signIn = await request.post('/api/public/auth/sign-in', {
        data: { email: solo.email, password: solo.password },
      });
      expect(signIn.status()).toBe(200);
      const { session } = (await signIn.json()) as SignedInResponse;

      const forged = await request.post('/api/public/auth/sign-out', { headers });
      expect(forged.status()).toBe(403);
      expect(((await forged.json()) as ErrorBody).error.code).toBe('csrf_rejected');

      const after = await request.get('/api/public/auth/session');
      expect(after.status(), 'the session is still valid').toBe(200);
      expect(((await after.json()) as SessionResponse).session.id).toBe(session.id);

      // The same request from the portal's own origin does sign out: the refusal above was
      // about where the request came from, not about the request itself.
      const own = await request.post('/api/public/auth/sign-out', {
        headers: { Origin: new URL(signIn.url()).origin, 'Sec-Fetch-Site': 'same-origin' },
      });
      expect(own.status()).toBe(200);
      expect((await request.get('/api/public/auth/session')).status()).toBe(401);
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
