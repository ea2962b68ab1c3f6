import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ApiKeyRow } from '../../store/rows.ts';

/**
 * The api-keys feature's port (docs/decisions/019-store-ports.md): the keys operators manage,
 * and the look-up that lets an integration's request in with one.
 */
export interface ApiKeysStore {
  /**
   * Keys newest first (same millisecond: by id in byte order), each with the name of the person
   * who made it: `limit + 1` from after `after`, the `[createdAt, id]` of the last key of the
   * page before.
   */
  list(page: {
    after?: readonly [number, string] | undefined;
    limit: number;
  }): Promise<{ key: ApiKeyRow; createdBy: string | null }[]>;
  /** The names of those of these organizations that exist, by id. */
  organizationNames(ids: readonly number[]): Promise<Map<number, string>>;
  byId(id: string): Promise<ApiKeyRow | undefined>;
  /** Stores a new key (its secret only as a hash) and audits it. */
  create(command: CreateApiKey): Promise<void>;
  /**
   * Revokes a live key and audits it, once: `'lost_race'` (nothing written) when it was
   * revoked meanwhile.
   */
  revoke(command: RevokeApiKey): Promise<'revoked' | 'lost_race'>;
  /**
   * The live key this token names (not revoked, not expired, its maker still entitled), with
   * its last use written when due; undefined for any other token. Runs on every request an
   * integration makes.
   */
  authenticate(token: string, now: number): Promise<ApiKeyRow | undefined>;
}

export interface CreateApiKey {
  key: ApiKeyRow;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}

export interface RevokeApiKey {
  id: string;
  audit: AuditEntry;
  now: number;
  meta: RequestMeta;
}
