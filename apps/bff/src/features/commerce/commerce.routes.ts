import { createRoute } from '@hono/zod-openapi';
import {
  invoicesResponse,
  orderResponse,
  ordersResponse,
  placeOrderBody,
} from '@onbehalf/contracts/commerce';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { invoicesOf, ordersOf, placeOrder } from './commerce.service.ts';

const tags = ['Orders and invoices'];

const ordersRoute = createRoute({
  method: 'get',
  path: '/api/public/orders',
  tags,
  summary: "The active organization's orders",
  middleware: [requirePermission('orders:read')] as const,
  responses: { 200: jsonContent(ordersResponse, 'Orders'), ...errorResponses(401, 403) },
});

const placeRoute = createRoute({
  method: 'post',
  path: '/api/public/orders',
  tags,
  summary: 'Place an order',
  middleware: [requirePermission('orders:create')] as const,
  request: jsonBody(placeOrderBody),
  responses: { 201: jsonContent(orderResponse, 'Placed'), ...errorResponses(400, 401, 403) },
});

const invoicesRoute = createRoute({
  method: 'get',
  path: '/api/public/invoices',
  tags,
  summary: "The active organization's invoices",
  middleware: [requirePermission('invoices:read')] as const,
  responses: { 200: jsonContent(invoicesResponse, 'Invoices'), ...errorResponses(401, 403) },
});

export const commerceRoutes = createRouter()
  .openapi(ordersRoute, (c) => c.json(ordersOf(c.get('deps'), getAuth(c)), 200))
  .openapi(placeRoute, (c) => {
    const order = placeOrder(c.get('deps'), getAuth(c), c.req.valid('json'), c.get('meta'));
    return c.json({ order }, 201);
  })
  .openapi(invoicesRoute, (c) => c.json(invoicesOf(c.get('deps'), getAuth(c)), 200));
