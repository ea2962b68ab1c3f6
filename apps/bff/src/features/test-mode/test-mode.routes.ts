import { createRoute } from '@hono/zod-openapi';
import {
  advanceClockBody,
  createTestOperatorBody,
  createTestOrganizationBody,
  testClock,
  testMailbox,
  testMailboxQuery,
  testOperator,
  testOrganization,
} from '@onbehalf/contracts/test-mode';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { AppError } from '../../lib/errors.ts';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import {
  advanceTestClock,
  createTestOperator,
  createTestOrganization,
  readTestMailbox,
  testClockOf,
} from './test-mode.service.ts';

const tags = ['Test mode'];

const organizationRoute = createRoute({
  method: 'post',
  path: '/api/test/organizations',
  tags,
  summary: 'Test mode: a fresh organization with an owner, a team admin and two members',
  request: jsonBody(createTestOrganizationBody),
  responses: {
    201: jsonContent(testOrganization, 'The organization and its people, with passwords'),
    ...errorResponses(400),
  },
});

const operatorRoute = createRoute({
  method: 'post',
  path: '/api/test/operators',
  tags,
  summary: 'Test mode: a fresh operator of the role asked for',
  request: jsonBody(createTestOperatorBody),
  responses: {
    201: jsonContent(testOperator, 'The operator, with a password'),
    ...errorResponses(400),
  },
});

const mailboxRoute = createRoute({
  method: 'get',
  path: '/api/test/mailbox',
  tags,
  summary: 'Test mode: the mail an address received, newest first, links picked out',
  request: { query: testMailboxQuery },
  responses: { 200: jsonContent(testMailbox, 'Messages'), ...errorResponses(400, 409) },
});

const clockRoute = createRoute({
  method: 'get',
  path: '/api/test/clock',
  tags,
  summary: "Test mode: the server's clock",
  responses: { 200: jsonContent(testClock, 'Now') },
});

const advanceRoute = createRoute({
  method: 'post',
  path: '/api/test/clock',
  tags,
  summary: "Test mode: move the server's clock forward (never back)",
  request: jsonBody(advanceClockBody),
  responses: { 200: jsonContent(testClock, 'Now, after the move'), ...errorResponses(400) },
});

function testClocksFrom(c: Context<AppEnv>) {
  const clocks = c.get('deps').testClocks;
  // Mounted only in test mode, where the server always has them.
  if (!clocks) throw new AppError('not_found');
  return clocks;
}

/**
 * `/api/test/*`, mounted only with ONBEHALF_TEST_MODE=1 (never in production): every call is
 * audited. Elsewhere these paths are 404 like any unknown path.
 */
export const testModeRoutes = createRouter()
  .openapi(organizationRoute, async (c) =>
    c.json(await createTestOrganization(c.get('deps'), c.req.valid('json'), c.get('meta')), 201),
  )
  .openapi(operatorRoute, async (c) =>
    c.json(await createTestOperator(c.get('deps'), c.req.valid('json').role, c.get('meta')), 201),
  )
  .openapi(mailboxRoute, (c) => {
    const { to, limit } = c.req.valid('query');
    return c.json(readTestMailbox(c.get('deps'), to, limit, c.get('meta')), 200);
  })
  .openapi(clockRoute, (c) => c.json(testClockOf(testClocksFrom(c)), 200))
  .openapi(advanceRoute, (c) =>
    c.json(
      advanceTestClock(
        c.get('deps'),
        testClocksFrom(c),
        c.req.valid('json').advanceMs,
        c.get('meta'),
      ),
      200,
    ),
  );
