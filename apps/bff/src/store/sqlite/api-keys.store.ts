import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { ApiKeysStore } from '../../features/api-keys/api-keys.store.ts';
import { olderThan } from '../keyset.ts';
import { findApiKey, touchApiKey } from './api-keys.ts';
import { recordAudit } from './audit.ts';
import type { SqliteContext } from './context.ts';
import { apiKeys } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { users } from './schema/users.ts';

export function sqliteApiKeys({ db }: SqliteContext): ApiKeysStore {
  return {
    async list({ after, limit }) {
      return db
        .select({ key: apiKeys, createdBy: users.name })
        .from(apiKeys)
        .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
        .where(olderThan(apiKeys.createdAt, apiKeys.id, after))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .limit(limit + 1)
        .all();
    },
    async organizationNames(ids) {
      if (ids.length === 0) return new Map();
      const rows = db
        .select({ id: organizations.id, name: organizations.name })
        .from(organizations)
        .where(inArray(organizations.id, [...new Set(ids)]))
        .all();
      return new Map(rows.map((r) => [r.id, r.name]));
    },
    async byId(id) {
      return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    },
    async create({ key, audit, meta }) {
      db.transaction((tx) => {
        tx.insert(apiKeys).values(key).run();
        recordAudit(tx, audit, meta);
      });
    },
    async revoke({ id, audit, now, meta }) {
      return db.transaction((tx) => {
        const revoked = tx
          .update(apiKeys)
          .set({ revokedAt: now })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .run();
        if (revoked.changes !== 1) return 'lost_race';
        recordAudit(tx, audit, meta);
        return 'revoked';
      });
    },
    async authenticate(token, now) {
      const key = findApiKey(db, token, now);
      if (key) touchApiKey(db, key, now);
      return key;
    },
  };
}
