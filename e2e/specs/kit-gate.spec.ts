import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test as kit } from '@onbehalf/testing';

// A staging server behind an HTTP Basic gate, reached with Playwright's `httpCredentials`: the
// kit's own calls of the test endpoints (outside Playwright's contexts) pass the gate as the
// suite's do (found by a review: `org` was turned away with a bare 401).
const credentials = { username: 'qa', password: 'gate-password' };
const test = kit.extend<{ gate: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's needs from it.
  gate: async ({}, use) => {
    const server = new URL(process.env.E2E_BASE_URL as string);
    const wanted = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const gate = createServer((request, response) => {
      if (request.headers.authorization !== wanted) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="staging"' }).end('gate');
        return;
      }
      // The gate and the server are one site: it forwards as the server's own origin.
      const { authorization: _, ...headers } = request.headers;
      const onward = forward(
        {
          host: server.hostname,
          port: server.port,
          path: request.url,
          method: request.method,
          headers: {
            ...headers,
            host: server.host,
            ...(headers.origin ? { origin: server.origin } : {}),
          },
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(onward);
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    await use(`http://127.0.0.1:${(gate.address() as AddressInfo).port}`);
    await new Promise<void>((resolve) => gate.close(() => resolve()));
  },
  baseURL: async ({ gate }, use) => use(gate),
});
test.use({ httpCredentials: credentials });

test('behind an HTTP Basic gate, the kit makes an organization, reads its mail and moves its clock', async ({
  org,
  mailbox,
  clock,
  request,
}) => {
  expect(org.members).toHaveLength(2);
  expect(await mailbox.all(org.owner.email)).toEqual([]);
  await clock.advance(1_000);
  // The suite's own requests pass the gate as before.
  expect((await request.get('/api/health')).status()).toBe(200);
});

test.describe('without the gate’s credentials', () => {
  test.use({ httpCredentials: undefined });

  test('the kit says something in front of the server refused it, and what to give', async ({
    newOrg,
  }) => {
    await expect(newOrg()).rejects.toThrow(
      /refused the test endpoints \(401\) before test mode could answer: a gate in front of it\? Give the suite its credentials/,
    );
  });
});
