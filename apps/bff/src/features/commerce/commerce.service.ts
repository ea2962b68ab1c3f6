import {
  type InvoicesResponse,
  type Order,
  type OrdersResponse,
  type PlaceOrderBody,
  products,
} from '@onbehalf/contracts/commerce';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { insertOrder, listInvoices, listOrders } from './commerce.repo.ts';

function activeProfile(auth: AuthContext) {
  if (!auth.profile) throw new AppError('profile_required');
  return auth.profile;
}

type OrderRow = ReturnType<typeof listOrders>[number];

function toOrder({ order, placedBy }: OrderRow): Order {
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
export function ordersOf(deps: AppDeps, auth: AuthContext): OrdersResponse {
  return { orders: listOrders(deps.db, activeProfile(auth).organizationId).map(toOrder) };
}

export function invoicesOf(deps: AppDeps, auth: AuthContext): InvoicesResponse {
  return {
    invoices: listInvoices(deps.db, activeProfile(auth).organizationId).map((invoice) => ({
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

export function placeOrder(
  deps: AppDeps,
  auth: AuthContext,
  body: PlaceOrderBody,
  meta: RequestMeta,
): Order {
  const profile = activeProfile(auth);
  const product = products.find((p) => p.sku === body.sku);
  if (!product) throw new AppError('validation_failed', { message: 'Unknown product.' });
  const now = deps.clock.now();
  const order = deps.db.transaction((tx) => {
    const row = insertOrder(tx, {
      organizationId: profile.organizationId,
      title: product.name,
      status: 'placed',
      quantity: body.quantity,
      totalCents: product.unitPriceCents * body.quantity,
      currency: 'EUR',
      placedByProfileId: profile.id,
      createdAt: now,
    });
    recordAudit(
      tx,
      {
        type: 'order.placed',
        at: now,
        ...auditParty(auth),
        organizationId: profile.organizationId,
        details: { orderId: row.id, number: row.number, sku: body.sku, quantity: body.quantity },
      },
      meta,
    );
    return row;
  });
  return toOrder({ order, placedBy: auth.user?.name ?? null });
}
