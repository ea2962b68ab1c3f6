import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ApiKeysStore } from '../../features/api-keys/api-keys.store.ts';
import { authenticateApiKey } from './api-keys.ts';
import { appendAudit } from './audit.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { isIntegerId } from './integer-id.ts';
import { apiKeys, organizations, users } from './schema.ts';

export function postgresApiKeys({ db, auditKey }: PostgresContext): ApiKeysStore {
  return {
    async list({ after, limit }) {
      // Keys made in the same millisecond by id in byte order, as SQLite compares them.
      return db
        .select({ key: apiKeys, createdBy: users.name })
        .from(apiKeys)
        .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
        .where(
          after
            ? sql`(${apiKeys.createdAt}, ${apiKeys.id} COLLATE "C") < (${after[0]}, ${after[1]} COLLATE "C")`
            : undefined,
        )
        .orderBy(desc(apiKeys.createdAt), sql`${apiKeys.id} COLLATE "C" DESC`)
        .limit(limit + 1);
    },
    async organizationNames(ids) {
      // An id beyond the column's range names no organization; PostgreSQL refuses to compare it.
      const possible = [...new Set(ids)].filter(isIntegerId);
      if (possible.length === 0) return new Map();
      const rows = await db
        .select({ id: organizations.id, name: organizations.name })
        .from(organizations)
        .where(inArray(organizations.id, possible));
      return new Map(rows.map((r) => [r.id, r.name]));
    },
    async byId(id) {
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row;
    },
    async create({ key, audit, meta }) {
      await transaction(db, async (tx) => {
        await tx.insert(apiKeys).values(key);
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
    async revoke({ id, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const revoked = await tx
          .update(apiKeys)
          .set({ revokedAt: now })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .returning({ id: apiKeys.id });
        if (revoked.length !== 1) return 'lost_race' as const;
        await appendAudit(tx, auditKey, audit, meta);
        return 'revoked' as const;
      });
    },
    async authenticate(token, now) {
      return authenticateApiKey(db, token, now);
    },
  };
}
