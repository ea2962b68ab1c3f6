import { desc, eq } from 'drizzle-orm';
import { type CommerceStore, orderNumber } from '../../features/commerce/commerce.store.ts';
import { appendAudit } from './audit.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { invoices, orders, profiles, users } from './schema.ts';

export function postgresCommerce({ db, auditKey }: PostgresContext): CommerceStore {
  return {
    async orders(organizationId, limit) {
      return db
        .select({ order: orders, placedBy: users.name })
        .from(orders)
        .leftJoin(profiles, eq(profiles.id, orders.placedByProfileId))
        .leftJoin(users, eq(users.id, profiles.userId))
        .where(eq(orders.organizationId, organizationId))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit);
    },

    async invoices(organizationId, limit) {
      return db
        .select()
        .from(invoices)
        .where(eq(invoices.organizationId, organizationId))
        .orderBy(desc(invoices.issuedAt), desc(invoices.id))
        .limit(limit);
    },

    async placeOrder({ order, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const [row] = await tx
          .insert(orders)
          .values({ ...order, number: 'pending', createdAt: now })
          .returning({ id: orders.id });
        if (!row) throw new Error('The order was not inserted');
        const [placed] = await tx
          .update(orders)
          .set({ number: orderNumber(row.id) })
          .where(eq(orders.id, row.id))
          .returning();
        if (!placed) throw new Error('The order was not numbered');
        await appendAudit(tx, auditKey, audit(placed), meta);
        return placed;
      });
    },
  };
}
