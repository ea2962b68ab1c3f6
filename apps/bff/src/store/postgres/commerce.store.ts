import { and, desc, eq } from 'drizzle-orm';
import {
  type CommerceStore,
  type NewestFirstPage,
  orderNumber,
} from '../../features/commerce/commerce.store.ts';
import { olderThan } from '../keyset.ts';
import { appendAudit } from './audit.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { idWithinRange } from './integer-id.ts';
import { invoices, orders, profiles, users } from './schema.ts';

/** A forged cursor's id may lie beyond the integer column, which PostgreSQL refuses. */
const withinRange = (after: NewestFirstPage['after']) =>
  after && ([after[0], idWithinRange(after[1])] as const);

export function postgresCommerce({ db, auditKey }: PostgresContext): CommerceStore {
  return {
    async orders(organizationId, { after, limit }) {
      return db
        .select({ order: orders, placedBy: users.name })
        .from(orders)
        .leftJoin(profiles, eq(profiles.id, orders.placedByProfileId))
        .leftJoin(users, eq(users.id, profiles.userId))
        .where(
          and(
            eq(orders.organizationId, organizationId),
            olderThan(orders.createdAt, orders.id, withinRange(after)),
          ),
        )
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit + 1);
    },

    async invoices(organizationId, { after, limit }) {
      return db
        .select()
        .from(invoices)
        .where(
          and(
            eq(invoices.organizationId, organizationId),
            olderThan(invoices.issuedAt, invoices.id, withinRange(after)),
          ),
        )
        .orderBy(desc(invoices.issuedAt), desc(invoices.id))
        .limit(limit + 1);
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
