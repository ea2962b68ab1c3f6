import { z } from 'zod';
import { isoDateTime, nextCursor, pageQuery } from './common.ts';

/** The small demo catalogue orders are placed from; prices live here so the portal can show them. */
export const products = [
  { sku: 'PAPER-A4', name: 'A4 copy paper, 5 reams', unitPriceCents: 2450 },
  { sku: 'TONER-BK', name: 'Black toner cartridge', unitPriceCents: 8900 },
  { sku: 'CHAIR-ERG', name: 'Ergonomic office chair', unitPriceCents: 32900 },
  { sku: 'DESK-LAMP', name: 'LED desk lamp', unitPriceCents: 3990 },
] as const;
export const productSku = z.enum(products.map((p) => p.sku) as [string, ...string[]]);

export const order = z.object({
  id: z.number().int(),
  number: z.string(),
  title: z.string(),
  status: z.enum(['placed', 'processing', 'shipped', 'delivered', 'cancelled']),
  quantity: z.number().int(),
  totalCents: z.number().int(),
  currency: z.string(),
  placedBy: z.string().nullable(),
  createdAt: isoDateTime,
});
export type Order = z.infer<typeof order>;
/** A page of the active organization's orders, newest first. */
export const ordersQuery = pageQuery;
export const ordersResponse = z.object({ orders: z.array(order), nextCursor });
export type OrdersResponse = z.infer<typeof ordersResponse>;

export const placeOrderBody = z.object({
  sku: productSku,
  quantity: z.number().int().min(1).max(1000),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;
export const orderResponse = z.object({ order });

export const invoice = z.object({
  id: z.number().int(),
  number: z.string(),
  status: z.enum(['open', 'paid', 'overdue']),
  amountCents: z.number().int(),
  currency: z.string(),
  issuedAt: isoDateTime,
  dueAt: isoDateTime,
});
export type Invoice = z.infer<typeof invoice>;
/** A page of the active organization's invoices, newest first. */
export const invoicesQuery = pageQuery;
export const invoicesResponse = z.object({ invoices: z.array(invoice), nextCursor });
export type InvoicesResponse = z.infer<typeof invoicesResponse>;
