import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { invoicesOf, ordersOf, placeOrder } from './commerce.service.ts';

const ordersRoute = routeOf(routes['orders.list'], {
  middleware: [requirePermission('orders:read')],
});

const placeRoute = routeOf(routes['orders.place'], {
  middleware: [requirePermission('orders:create')],
});

const invoicesRoute = routeOf(routes['invoices.list'], {
  middleware: [requirePermission('invoices:read')],
});

export const commerceRoutes = createRouter()
  .openapi(ordersRoute, async (c) =>
    c.json(await ordersOf(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(placeRoute, async (c) => {
    const order = await placeOrder(c.get('deps'), getAuth(c), c.req.valid('json'), c.get('meta'));
    return c.json({ order }, 201);
  })
  .openapi(invoicesRoute, async (c) =>
    c.json(await invoicesOf(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  );
