import type {
  ApiKeySummary,
  CreateApiKeyInput,
  CreatedApiKey,
} from '@onbehalf/contracts/login-links';
import { desc, eq, inArray } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { newApiKeySecret } from '../../lib/api-keys.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { Queryable } from '../../store/sqlite/client.ts';
import { type ApiKeyRow, apiKeys } from '../../store/sqlite/schema/login-links.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { users } from '../../store/sqlite/schema/users.ts';

const DAY = 24 * 60 * 60 * 1000;

type OrganizationNames = ReadonlyMap<number, string>;

function organizationNames(db: Queryable, ids: readonly number[]): OrganizationNames {
  if (ids.length === 0) return new Map();
  const rows = db
    .select({ id: organizations.id, name: organizations.name })
    .from(organizations)
    .where(inArray(organizations.id, [...new Set(ids)]))
    .all();
  return new Map(rows.map((r) => [r.id, r.name]));
}

function toSummary(
  row: ApiKeyRow,
  createdBy: string | null,
  names: OrganizationNames,
): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: `obk_${row.id}_…`,
    scopes: row.scopes,
    organizations: row.organizationIds.map((id) => ({ id, name: names.get(id) ?? `#${id}` })),
    createdAt: toIso(row.createdAt),
    createdBy,
    expiresAt: toIso(row.expiresAt),
    lastUsedAt: row.lastUsedAt ? toIso(row.lastUsedAt) : null,
    revokedAt: row.revokedAt ? toIso(row.revokedAt) : null,
  };
}

/** Every key, newest first, with who made it, the organizations it covers, and its last use. */
export function listApiKeys(deps: AppDeps) {
  const rows = deps.db
    .select({ key: apiKeys, createdBy: users.name })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .orderBy(desc(apiKeys.createdAt))
    .limit(500)
    .all();
  const names = organizationNames(
    deps.db,
    rows.flatMap((r) => r.key.organizationIds),
  );
  return { keys: rows.map((r) => toSummary(r.key, r.createdBy, names)) };
}

/**
 * A key for an integration: its scopes, the organizations whose people it may act for, and an
 * expiry (90 days unless chosen, at most a year). The secret is returned once; only its hash
 * is kept.
 */
export function createApiKey(
  deps: AppDeps,
  auth: AuthContext,
  body: CreateApiKeyInput,
  meta: RequestMeta,
): CreatedApiKey {
  const organizationIds = [...new Set(body.organizationIds)];
  const names = organizationNames(deps.db, organizationIds);
  const unknown = organizationIds.filter((id) => !names.has(id));
  if (unknown.length > 0) {
    throw new AppError('validation_failed', {
      message: `No such organization: ${unknown.join(', ')}.`,
      issues: [{ path: 'organizationIds', message: 'Unknown organization.' }],
    });
  }
  const { id, token, secretHash } = newApiKeySecret();
  const now = deps.clock.now();
  const row: ApiKeyRow = {
    id,
    name: body.name,
    secretHash,
    scopes: [...new Set(body.scopes)],
    organizationIds,
    createdAt: now,
    createdByUserId: auth.user?.id ?? 0,
    expiresAt: now + body.expiresInDays * DAY,
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
        details: {
          apiKeyId: id,
          name: body.name,
          scopes: row.scopes,
          organizationIds,
          expiresAt: row.expiresAt,
        },
      },
      meta,
    );
  });
  return { key: toSummary(row, auth.user?.name ?? null, names), secret: token };
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
