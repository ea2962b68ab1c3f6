import { and, desc, eq } from 'drizzle-orm';
import { type CommerceStore, orderNumber } from '../../features/commerce/commerce.store.ts';
import { olderThan } from '../keyset.ts';
import { recordAudit } from './audit.ts';
import type { SqliteContext } from './context.ts';
import { invoices, orders } from './schema/commerce.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';

export function sqliteCommerce({ db }: SqliteContext): CommerceStore {
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
            olderThan(orders.createdAt, orders.id, after),
          ),
        )
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit + 1)
        .all();
    },

    async invoices(organizationId, { after, limit }) {
      return db
        .select()
        .from(invoices)
        .where(
          and(
            eq(invoices.organizationId, organizationId),
            olderThan(invoices.issuedAt, invoices.id, after),
          ),
        )
        .orderBy(desc(invoices.issuedAt), desc(invoices.id))
        .limit(limit + 1)
        .all();
    },

    async placeOrder({ order, audit, now, meta }) {
      return db.transaction((tx) => {
        const row = tx
          .insert(orders)
          .values({ ...order, number: 'pending', createdAt: now })
          .returning()
          .get();
        const number = orderNumber(row.id);
        tx.update(orders).set({ number }).where(eq(orders.id, row.id)).run();
        const placed = { ...row, number };
        recordAudit(tx, audit(placed), meta);
        return placed;
      });
    },
  };
}
