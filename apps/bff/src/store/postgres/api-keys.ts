import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { apiKeyAlive, apiKeyMakerRoles } from '../../domain/credentials/policy.ts';
import {
  API_KEY_TOUCH_EVERY_MS,
  apiKeyAsMaker,
  apiKeySecretMatches,
  parseApiKeyToken,
} from '../../lib/api-key-format.ts';
import { sha256 } from '../../lib/tokens.ts';
import type { ApiKeyRow } from '../rows.ts';
import type { PgDb } from './client.ts';
import { prepared } from './prepared.ts';
import { apiKeys, users } from './schema.ts';

/**
 * API keys on PostgreSQL: the same meaning and answers as on SQLite (store/sqlite/api-keys.ts
 * `findApiKey` then `touchApiKey`); the key's format and the checks on it are shared
 * (lib/api-key-format.ts), the rule of a live key is the domain's (`apiKeyAlive`).
 */

const now = sql.placeholder('now');
const id = sql.placeholder('id');

/**
 * One statement, built once per pool and prepared on each connection: the key with its maker,
 * as it was before this request, and, in a data-modifying CTE, the write of `last_used_at` when
 * the key is live and the write is due (first use, then at most once a minute). The CTE asks
 * what `apiKeyAlive` and `apiKeyTouchDue` ask, in SQL, so that nothing is written for a wrong
 * secret or a dead key; the answer itself is still decided below, by the domain's rule, on the
 * row the statement read. Several processes may touch one key out of order: the newest instant
 * wins and it never moves back, and a touch that waited for another's re-checks `due` against
 * the row that one wrote.
 */
const authenticateStatement = prepared((db: PgDb) => {
  const touched = db.$with('touched').as(
    db
      .update(apiKeys)
      .set({ lastUsedAt: sql`GREATEST(${apiKeys.lastUsedAt}, ${now}::bigint)` })
      .from(users)
      .where(
        and(
          eq(apiKeys.id, id),
          // A hash of 256 bits: comparing it in SQL leaks nothing a guess could use.
          eq(apiKeys.secretHash, sql.placeholder('secretHash')),
          isNull(apiKeys.revokedAt),
          sql`${apiKeys.expiresAt} > ${now}::bigint`,
          eq(users.id, apiKeys.createdByUserId),
          eq(users.status, 'active'),
          inArray(users.operatorRole, [...apiKeyMakerRoles]),
          or(
            isNull(apiKeys.lastUsedAt),
            sql`${apiKeys.lastUsedAt} <= ${now}::bigint - ${API_KEY_TOUCH_EVERY_MS}::bigint`,
          ),
        ),
      )
      .returning({ id: apiKeys.id }),
  );
  // The main query reads the snapshot the statement started with: the row before the touch,
  // as SQLite answers it.
  return db
    .with(touched)
    .select({ key: apiKeys, maker: { status: users.status, operatorRole: users.operatorRole } })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, id))
    .prepare('api_key_authenticate');
});

/**
 * The live key this token names, or undefined: not revoked, not expired, and its maker still
 * active and entitled to keys (a key dies with its maker, SPEC §4b), its last use written when
 * due, in one round trip. The comparison of hashes is constant-time.
 */
export async function authenticateApiKey(
  db: PgDb,
  token: string,
  at: number,
): Promise<ApiKeyRow | undefined> {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const [found] = await authenticateStatement(db).execute({
    id: parsed.id,
    secretHash: sha256(parsed.secret),
    now: at,
  });
  if (!found || !apiKeySecretMatches(found.key.secretHash, parsed.secret)) return undefined;
  return apiKeyAlive(apiKeyAsMaker(found.key, found.maker), at) ? found.key : undefined;
}
