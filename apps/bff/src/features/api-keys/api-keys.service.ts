import type {
  ApiKeyList,
  ApiKeySummary,
  CreateApiKeyInput,
  CreatedApiKey,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { newApiKeySecret } from '../../lib/api-key-format.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ApiKeyRow } from '../../store/rows.ts';

const DAY = 24 * 60 * 60 * 1000;

type OrganizationNames = ReadonlyMap<number, string>;

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

/**
 * A page of the keys, newest first, each with who made it, the organizations it covers, and
 * its last use.
 */
export async function listApiKeys(
  deps: AppDeps,
  page: { cursor?: string | undefined; limit: number },
): Promise<ApiKeyList> {
  const after = decodeCursor(page.cursor, ['number', 'string'] as const);
  const rows = await deps.store.apiKeys.list({ after, limit: page.limit });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.key.createdAt, r.key.id]);
  const names = await deps.store.apiKeys.organizationNames(
    items.flatMap((r) => r.key.organizationIds),
  );
  return { keys: items.map((r) => toSummary(r.key, r.createdBy, names)), nextCursor };
}

/**
 * A key for an integration: its scopes, the organizations whose people it may act for, and an
 * expiry (90 days unless chosen, at most a year). The secret is returned once; only its hash
 * is kept.
 */
export async function createApiKey(
  deps: AppDeps,
  auth: AuthContext,
  body: CreateApiKeyInput,
  meta: RequestMeta,
): Promise<CreatedApiKey> {
  const organizationIds = [...new Set(body.organizationIds)];
  const names = await deps.store.apiKeys.organizationNames(organizationIds);
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
  await deps.store.apiKeys.create({
    key: row,
    audit: {
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
    now,
    meta,
  });
  return { key: toSummary(row, auth.user?.name ?? null, names), secret: token };
}

/** Revokes a live key; one already revoked, or revoked meanwhile, is "not found". */
export async function revokeApiKey(
  deps: AppDeps,
  auth: AuthContext,
  id: string,
  meta: RequestMeta,
): Promise<void> {
  const notFound = () => new AppError('not_found', { message: 'No such API key.' });
  const row = await deps.store.apiKeys.byId(id);
  if (!row || row.revokedAt !== null) throw notFound();
  const now = deps.clock.now();
  const outcome = await deps.store.apiKeys.revoke({
    id,
    audit: { type: 'api_key.revoked', at: now, ...auditParty(auth), details: { apiKeyId: id } },
    now,
    meta,
  });
  if (outcome === 'lost_race') throw notFound();
}
