import { eq } from 'drizzle-orm';
import { apiKeyAlive } from '../../domain/credentials/policy.ts';
import {
  apiKeyAsMaker,
  apiKeySecretMatches,
  apiKeyTouchDue,
  parseApiKeyToken,
} from '../../lib/api-key-format.ts';
import type { Queryable } from './client.ts';
import { type ApiKeyRow, apiKeys } from './schema/login-links.ts';
import { users } from './schema/users.ts';

export { API_KEY_PREFIX, isApiKeyToken, newApiKeySecret } from '../../lib/api-key-format.ts';

/**
 * The live key this token names, or undefined: not revoked, not expired, and its maker still
 * active and entitled to keys (a key dies with its maker, SPEC §4b). The comparison of hashes
 * is constant-time.
 */
export function findApiKey(db: Queryable, token: string, now: number): ApiKeyRow | undefined {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const found = db
    .select({ key: apiKeys, maker: { status: users.status, operatorRole: users.operatorRole } })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, parsed.id))
    .get();
  if (!found || !apiKeySecretMatches(found.key.secretHash, parsed.secret)) return undefined;
  return apiKeyAlive(apiKeyAsMaker(found.key, found.maker), now) ? found.key : undefined;
}

export function touchApiKey(db: Queryable, key: ApiKeyRow, now: number): void {
  if (!apiKeyTouchDue(key, now)) return;
  db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, key.id)).run();
}
