import type {
  ApiKeySummary,
  CreateApiKeyBody,
  CreatedApiKey,
} from '@onbehalf/contracts/login-links';
import { desc, eq } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { type ApiKeyRow, apiKeys } from '../../db/schema/login-links.ts';
import { newApiKeySecret } from '../../lib/api-keys.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

function toSummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: `obk_${row.id}_…`,
    scopes: row.scopes,
    createdAt: toIso(row.createdAt),
    lastUsedAt: row.lastUsedAt ? toIso(row.lastUsedAt) : null,
    revokedAt: row.revokedAt ? toIso(row.revokedAt) : null,
  };
}

export function listApiKeys(deps: AppDeps) {
  return {
    keys: deps.db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all().map(toSummary),
  };
}

/** The secret is returned once; only its hash is kept. */
export function createApiKey(
  deps: AppDeps,
  auth: AuthContext,
  body: CreateApiKeyBody,
  meta: RequestMeta,
): CreatedApiKey {
  const { id, token, secretHash } = newApiKeySecret();
  const now = deps.clock.now();
  const row: ApiKeyRow = {
    id,
    name: body.name,
    secretHash,
    scopes: [...new Set(body.scopes)],
    createdAt: now,
    createdByUserId: auth.user?.id ?? 0,
    lastUsedAt: null,
    revokedAt: null,
  };
  deps.db.transaction((tx) => {
    tx.insert(apiKeys).values(row).run();
    recordAudit(
      tx,
      {
        type: 'api_key.created',
        at: now,
        ...auditParty(auth),
        details: { apiKeyId: id, name: body.name, scopes: row.scopes },
      },
      meta,
    );
  });
  return { key: toSummary(row), secret: token };
}

export function revokeApiKey(deps: AppDeps, auth: AuthContext, id: string, meta: RequestMeta) {
  const row = deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  if (!row || row.revokedAt !== null)
    throw new AppError('not_found', { message: 'No such API key.' });
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    tx.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)).run();
    recordAudit(
      tx,
      { type: 'api_key.revoked', at: now, ...auditParty(auth), details: { apiKeyId: id } },
      meta,
    );
  });
}
