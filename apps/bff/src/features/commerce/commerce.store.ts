import type { Invoice, Order } from '@onbehalf/contracts/commerce';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * Orders and invoices of an organization: what the commerce feature reads, and the one command
 * that places an order (docs/decisions/019-store-ports.md).
 */
export interface CommerceStore {
  /**
   * The organization's orders newest first (same millisecond: the higher id first), with who
   * placed each: `limit + 1` from after `after`, the `[createdAt, id]` of the last order of the
   * page before.
   */
  orders(organizationId: number, page: NewestFirstPage): Promise<ListedOrder[]>;
  /**
   * The organization's invoices newest first (same millisecond: the higher id first),
   * `limit + 1` from after `after`, the `[issuedAt, id]` of the last invoice of the page before.
   */
  invoices(organizationId: number, page: NewestFirstPage): Promise<StoredInvoice[]>;
  /** Inserts the order, gives it its number, audits it; in one transaction. */
  placeOrder(command: PlaceOrder): Promise<StoredOrder>;
}

/** Where a page of orders or invoices starts: after an instant and an id. */
export interface NewestFirstPage {
  after?: readonly [number, number] | undefined;
  limit: number;
}

/** An order as stored; `createdAt` in epoch milliseconds. */
export interface StoredOrder {
  id: number;
  organizationId: number;
  number: string;
  title: string;
  status: Order['status'];
  quantity: number;
  totalCents: number;
  currency: string;
  placedByProfileId: number | null;
  createdAt: number;
}

/** An order with the name of the person whose profile placed it, if it still exists. */
export interface ListedOrder {
  order: StoredOrder;
  placedBy: string | null;
}

/** An invoice as stored; instants in epoch milliseconds. */
export interface StoredInvoice {
  id: number;
  organizationId: number;
  number: string;
  status: Invoice['status'];
  amountCents: number;
  currency: string;
  issuedAt: number;
  dueAt: number;
}

/** An order's number, from its id (SO-000042): both stores number orders this way. */
export function orderNumber(id: number): string {
  return `SO-${String(id).padStart(6, '0')}`;
}

export interface PlaceOrder {
  order: Omit<StoredOrder, 'id' | 'number' | 'createdAt'>;
  /** The event, once the order has its id and number. */
  audit: (order: StoredOrder) => AuditEntry;
  now: number;
  meta: RequestMeta;
}
