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
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ListedOrder, NewestFirstPage } from './commerce.store.ts';

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

/**
 * A page of the active profile's organization's rows, newest first: the data a person sees is
 * their profile's. A cursor is the `[instant, id]` of the last row of the page before.
 */
async function organizationPage<T>(
  auth: AuthContext,
  page: { cursor?: string | undefined; limit: number },
  read: (organizationId: number, page: NewestFirstPage) => Promise<T[]>,
  keyOf: (row: T) => [number, number],
) {
  const after = decodeCursor(page.cursor, ['number', 'number'] as const);
  const rows = await read(activeProfile(auth).organizationId, { after, limit: page.limit });
  return pageOf(rows, page.limit, keyOf);
}

/** A page of the orders of the active profile's organization, newest first. */
export async function ordersOf(
  deps: AppDeps,
  auth: AuthContext,
  page: { cursor?: string | undefined; limit: number },
): Promise<OrdersResponse> {
  const { items, nextCursor } = await organizationPage(
    auth,
    page,
    (organizationId, p) => deps.store.commerce.orders(organizationId, p),
    (r) => [r.order.createdAt, r.order.id],
  );
  return { orders: items.map(toOrder), nextCursor };
}

/** A page of the invoices of the active profile's organization, newest first. */
export async function invoicesOf(
  deps: AppDeps,
  auth: AuthContext,
  page: { cursor?: string | undefined; limit: number },
): Promise<InvoicesResponse> {
  const { items, nextCursor } = await organizationPage(
    auth,
    page,
    (organizationId, p) => deps.store.commerce.invoices(organizationId, p),
    (i) => [i.issuedAt, i.id],
  );
  return {
    invoices: items.map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      status: invoice.status,
      amountCents: invoice.amountCents,
      currency: invoice.currency,
      issuedAt: toIso(invoice.issuedAt),
      dueAt: toIso(invoice.dueAt),
    })),
    nextCursor,
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
