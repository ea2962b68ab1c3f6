import { eq, sql } from 'drizzle-orm';
import { apiKeyAlive } from '../../domain/credentials/policy.ts';
import {
  apiKeyAsMaker,
  apiKeySecretMatches,
  apiKeyTouchDue,
  parseApiKeyToken,
} from '../../lib/api-key-format.ts';
import type { ApiKeyRow } from '../rows.ts';
import type { PgQueryable } from './client.ts';
import { apiKeys, users } from './schema.ts';

/**
 * API keys on PostgreSQL: the same functions, meaning and answers as on SQLite
 * (store/sqlite/api-keys.ts); the key's format and the checks on it are shared (lib/api-key-format.ts).
 */

/**
 * The live key this token names, or undefined: not revoked, not expired, and its maker still
 * active and entitled to keys (a key dies with its maker, SPEC §4b). The comparison of hashes
 * is constant-time.
 */
export async function findApiKey(
  db: PgQueryable,
  token: string,
  now: number,
): Promise<ApiKeyRow | undefined> {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const [found] = await db
    .select({ key: apiKeys, maker: { status: users.status, operatorRole: users.operatorRole } })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, parsed.id));
  if (!found || !apiKeySecretMatches(found.key.secretHash, parsed.secret)) return undefined;
  return apiKeyAlive(apiKeyAsMaker(found.key, found.maker), now) ? found.key : undefined;
}

/**
 * Writes `last_used_at` on first use, then at most once per interval. Several processes may
 * touch one key out of order, so the newest instant wins: it never moves back.
 */
export async function touchApiKey(db: PgQueryable, key: ApiKeyRow, now: number): Promise<void> {
  if (!apiKeyTouchDue(key, now)) return;
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`GREATEST(${apiKeys.lastUsedAt}, ${now})` })
    .where(eq(apiKeys.id, key.id));
}
