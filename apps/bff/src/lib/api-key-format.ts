import type { Maker } from '../domain/credentials/policy.ts';
import { constantTimeEqual, randomId, randomToken, sha256 } from './tokens.ts';

/**
 * What an API key looks like and what is checked about it apart from its row, the same on every
 * store (store/sqlite/api-keys.ts on SQLite, store/postgres/api-keys.ts on PostgreSQL):
 * `obk_{id}_{secret}`, of which only the secret's hash is kept.
 */

export const API_KEY_PREFIX = 'obk_';
const KEY_FORMAT = /^obk_([\w-]{16})_([\w-]{43})$/;
/** last_used_at is written at most this often per key. */
export const API_KEY_TOUCH_EVERY_MS = 60_000;

export function isApiKeyToken(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function newApiKeySecret() {
  const id = randomId();
  const secret = randomToken();
  return { id, token: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: sha256(secret) };
}

/** The key's id and secret, or undefined when the token is not shaped like a key. */
export function parseApiKeyToken(token: string): { id: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(token);
  if (!match) return undefined;
  const [, id = '', secret = ''] = match;
  return { id, secret };
}

/** Whether the secret is the one whose hash was stored, compared in constant time. */
export function apiKeySecretMatches(secretHash: string, secret: string): boolean {
  return constantTimeEqual(secretHash, sha256(secret));
}

/** A key as the credential rules see it: its own state and its maker's today. */
export function apiKeyAsMaker(
  key: {
    revokedAt: number | null;
    expiresAt: number;
    scopes: readonly string[];
    organizationIds: readonly number[];
  },
  keyMaker: Extract<Maker, { kind: 'api_key' }>['keyMaker'],
): Extract<Maker, { kind: 'api_key' }> {
  return {
    kind: 'api_key',
    revoked: key.revokedAt !== null,
    expiresAt: key.expiresAt,
    scopes: key.scopes,
    organizationIds: key.organizationIds,
    keyMaker,
  };
}

/** Whether `last_used_at` is due a write: on first use, then at most once per interval. */
export function apiKeyTouchDue(key: { lastUsedAt: number | null }, now: number): boolean {
  return key.lastUsedAt === null || now - key.lastUsedAt >= API_KEY_TOUCH_EVERY_MS;
}
