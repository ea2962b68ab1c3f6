import { desc, eq } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { invoices, orders } from '../../store/sqlite/schema/commerce.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';

const LIST_LIMIT = 100;

export function listOrders(db: Queryable, organizationId: number) {
  return db
    .select({ order: orders, placedBy: users.name })
    .from(orders)
    .leftJoin(profiles, eq(profiles.id, orders.placedByProfileId))
    .leftJoin(users, eq(users.id, profiles.userId))
    .where(eq(orders.organizationId, organizationId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(LIST_LIMIT)
    .all();
}

export function insertOrder(db: Queryable, values: Omit<typeof orders.$inferInsert, 'number'>) {
  const row = db
    .insert(orders)
    .values({ ...values, number: 'pending' })
    .returning()
    .get();
  const number = `SO-${String(row.id).padStart(6, '0')}`;
  db.update(orders).set({ number }).where(eq(orders.id, row.id)).run();
  return { ...row, number };
}

export function listInvoices(db: Queryable, organizationId: number) {
  return db
    .select()
    .from(invoices)
    .where(eq(invoices.organizationId, organizationId))
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .limit(LIST_LIMIT)
    .all();
}
