import { searchUnderOneName } from '@onbehalf/contracts/common';
import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { readOutbox } from './outbox.service.ts';

const listRoute = routeOf(routes['sys.outbox'], {
  middleware: [requirePermission('outbox:read')],
});

export const outboxRoutes = createRouter().openapi(listRoute, async (c) => {
  const page = searchUnderOneName(c.req.valid('query'), 'to');
  return c.json(await readOutbox(c.get('deps'), getAuth(c), page, c.get('meta')), 200);
});
