import { routes } from '@onbehalf/contracts/routes';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { AppError } from '../../lib/errors.ts';
import {
  advanceTestClock,
  createTestOperator,
  createTestOrganization,
  readTestClock,
  readTestMailbox,
} from './test-mode.service.ts';

const organizationRoute = routeOf(routes['test.createOrganization']);

const operatorRoute = routeOf(routes['test.createOperator']);

const mailboxRoute = routeOf(routes['test.mailbox']);

const clockRoute = routeOf(routes['test.clock']);

const advanceRoute = routeOf(routes['test.advanceClock']);

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
  .openapi(mailboxRoute, async (c) => {
    const { to, limit } = c.req.valid('query');
    return c.json(await readTestMailbox(c.get('deps'), to, limit, c.get('meta')), 200);
  })
  .openapi(clockRoute, async (c) =>
    c.json(await readTestClock(c.get('deps'), testClocksFrom(c), c.get('meta')), 200),
  )
  .openapi(advanceRoute, async (c) =>
    c.json(
      await advanceTestClock(
        c.get('deps'),
        testClocksFrom(c),
        c.req.valid('json').advanceMs,
        c.get('meta'),
      ),
      200,
    ),
  );
