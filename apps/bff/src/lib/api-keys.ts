import { eq } from 'drizzle-orm';
import { apiKeyAlive } from '../domain/credentials/policy.ts';
import type { Queryable } from '../store/sqlite/client.ts';
import { type ApiKeyRow, apiKeys } from '../store/sqlite/schema/login-links.ts';
import { users } from '../store/sqlite/schema/users.ts';
import { constantTimeEqual, randomId, randomToken, sha256 } from './tokens.ts';

export const API_KEY_PREFIX = 'obk_';
const KEY_FORMAT = /^obk_([\w-]{16})_([\w-]{43})$/;
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

export function isApiKeyToken(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function newApiKeySecret() {
  const id = randomId();
  const secret = randomToken();
  return { id, token: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: sha256(secret) };
}

/**
 * The live key this token names, or undefined: not revoked, not expired, and its maker still
 * active and entitled to keys (a key dies with its maker, SPEC §4b). The comparison of hashes
 * is constant-time.
 */
export function findApiKey(db: Queryable, token: string, now: number): ApiKeyRow | undefined {
  const match = KEY_FORMAT.exec(token);
  if (!match) return undefined;
  const [, id = '', secret = ''] = match;
  const found = db
    .select({ key: apiKeys, maker: { status: users.status, operatorRole: users.operatorRole } })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, id))
    .get();
  if (!found || !constantTimeEqual(found.key.secretHash, sha256(secret))) return undefined;
  const { key } = found;
  const alive = apiKeyAlive(
    {
      kind: 'api_key',
      revoked: key.revokedAt !== null,
      expiresAt: key.expiresAt,
      scopes: key.scopes,
      organizationIds: key.organizationIds,
      keyMaker: found.maker,
    },
    now,
  );
  return alive ? key : undefined;
}

export function touchApiKey(db: Queryable, key: ApiKeyRow, now: number): void {
  if (key.lastUsedAt !== null && now - key.lastUsedAt < TOUCH_EVERY_MS) return;
  db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, key.id)).run();
}
