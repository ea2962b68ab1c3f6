import { routes } from '@onbehalf/contracts/routes';
import { TEST_KEY_HEADER } from '@onbehalf/contracts/test-mode';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { AppError } from '../../lib/errors.ts';
import { constantTimeEqual, sha256 } from '../../lib/tokens.ts';
import {
  advanceTestClock,
  createTestOperator,
  createTestOrganization,
  readTestClock,
  readTestMailbox,
} from './test-mode.service.ts';

/**
 * With ONBEHALF_TEST_MODE_KEY, only callers that send it reach the test endpoints (401
 * `test_key_required`). It is compared through its hash, in constant time, and a wrong one is
 * a guess, slowed down per address like a guessed link or metrics token (ADR 016). A refusal
 * is audited like every call (SPEC §12), the first of a minute per address and reason in full
 * and the rest counted (review: refusals left no trace).
 */
const requireTestModeKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { env, limiters, store, clock } = c.get('deps');
  const key = env.ONBEHALF_TEST_MODE_KEY;
  if (key !== undefined) {
    const presented = c.req.header(TEST_KEY_HEADER) ?? '';
    const meta = c.get('meta');
    const right = await limiters.guessing(
      meta.ip,
      async () => constantTimeEqual(sha256(presented), sha256(key)),
      (isRight) => !isRight,
    );
    if (!right) {
      const reason = presented ? 'wrong_key' : 'no_key';
      await store.audit.recordRead({
        audit: {
          type: 'test.refused',
          at: clock.now(),
          actor: { userId: null, kind: 'anonymous' },
          details: { reason, route: c.req.routePath },
        },
        rule: reason,
        meta,
      });
      throw new AppError('test_key_required');
    }
  }
  await next();
};

const organizationRoute = routeOf(routes['test.createOrganization'], {
  middleware: [requireTestModeKey],
});

const operatorRoute = routeOf(routes['test.createOperator'], { middleware: [requireTestModeKey] });

const mailboxRoute = routeOf(routes['test.mailbox'], { middleware: [requireTestModeKey] });

const clockRoute = routeOf(routes['test.clock'], { middleware: [requireTestModeKey] });

const advanceRoute = routeOf(routes['test.advanceClock'], { middleware: [requireTestModeKey] });

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
