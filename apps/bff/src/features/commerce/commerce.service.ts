import {
  type InvoicesResponse,
  type Order,
  type OrdersResponse,
  type PlaceOrderBody,
  products,
} from '@onbehalf/contracts/commerce';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ListedOrder } from './commerce.store.ts';

/** How many orders or invoices a list shows: the latest ones. */
const LIST_LIMIT = 100;

function activeProfile(auth: AuthContext) {
  if (!auth.profile) throw new AppError('profile_required');
  return auth.profile;
}

function toOrder({ order, placedBy }: ListedOrder): Order {
  return {
    id: order.id,
    number: order.number,
    title: order.title,
    status: order.status,
    quantity: order.quantity,
    totalCents: order.totalCents,
    currency: order.currency,
    placedBy,
    createdAt: toIso(order.createdAt),
  };
}

/** Only the active profile's organization: the data a person sees is their profile's. */
export async function ordersOf(deps: AppDeps, auth: AuthContext): Promise<OrdersResponse> {
  const rows = await deps.store.commerce.orders(activeProfile(auth).organizationId, LIST_LIMIT);
  return { orders: rows.map(toOrder) };
}

export async function invoicesOf(deps: AppDeps, auth: AuthContext): Promise<InvoicesResponse> {
  const rows = await deps.store.commerce.invoices(activeProfile(auth).organizationId, LIST_LIMIT);
  return {
    invoices: rows.map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      status: invoice.status,
      amountCents: invoice.amountCents,
      currency: invoice.currency,
      issuedAt: toIso(invoice.issuedAt),
      dueAt: toIso(invoice.dueAt),
    })),
  };
}

export async function placeOrder(
  deps: AppDeps,
  auth: AuthContext,
  body: PlaceOrderBody,
  meta: RequestMeta,
): Promise<Order> {
  const profile = activeProfile(auth);
  const product = products.find((p) => p.sku === body.sku);
  if (!product) throw new AppError('validation_failed', { message: 'Unknown product.' });
  const now = deps.clock.now();
  const order = await deps.store.commerce.placeOrder({
    order: {
      organizationId: profile.organizationId,
      title: product.name,
      status: 'placed',
      quantity: body.quantity,
      totalCents: product.unitPriceCents * body.quantity,
      currency: 'EUR',
      placedByProfileId: profile.id,
    },
    audit: (placed) => ({
      type: 'order.placed',
      at: now,
      ...auditParty(auth),
      organizationId: profile.organizationId,
      details: {
        orderId: placed.id,
        number: placed.number,
        sku: body.sku,
        quantity: body.quantity,
      },
    }),
    now,
    meta,
  });
  return toOrder({ order, placedBy: auth.user?.name ?? null });
}
