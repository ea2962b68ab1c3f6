import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { organizations } from './organizations.ts';
import { profiles } from './profiles.ts';

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    number: text('number').notNull(),
    title: text('title').notNull(),
    status: text('status', {
      enum: ['placed', 'processing', 'shipped', 'delivered', 'cancelled'],
    }).notNull(),
    quantity: integer('quantity').notNull(),
    totalCents: integer('total_cents').notNull(),
    currency: text('currency').notNull(),
    placedByProfileId: integer('placed_by_profile_id').references(() => profiles.id),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('orders_org_created_idx').on(t.organizationId, t.createdAt)],
);

export const invoices = sqliteTable(
  'invoices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    number: text('number').notNull(),
    status: text('status', { enum: ['open', 'paid', 'overdue'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    issuedAt: integer('issued_at').notNull(),
    dueAt: integer('due_at').notNull(),
  },
  (t) => [index('invoices_org_issued_idx').on(t.organizationId, t.issuedAt)],
);
