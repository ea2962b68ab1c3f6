import type { Context } from 'hono';
import type { AppEnv, AuthContext } from '../app-env.ts';
import type { ApiKeyRow } from '../db/schema/login-links.ts';
import { getAuth } from '../middleware/session.ts';
import type { AuditEntry } from './audit.ts';
import { auditParty } from './audit-party.ts';

/** Who is calling a route open to both operators and integrations. */
export type Principal =
  | { kind: 'session'; auth: AuthContext }
  | { kind: 'api_key'; key: ApiKeyRow };

export function getPrincipal(c: Context<AppEnv>): Principal {
  const key = c.get('apiKey');
  return key ? { kind: 'api_key', key } : { kind: 'session', auth: getAuth(c) };
}

export function principalAuditParty(principal: Principal): Pick<
  AuditEntry,
  'actor' | 'subjectUserId' | 'impersonationId' | 'sessionId'
> & {
  details: Record<string, unknown>;
} {
  if (principal.kind === 'session') return { ...auditParty(principal.auth), details: {} };
  return {
    actor: { userId: null, kind: 'system' },
    subjectUserId: null,
    impersonationId: null,
    sessionId: null,
    details: { apiKeyId: principal.key.id, apiKeyName: principal.key.name },
  };
}

export function principalCreatedBy(principal: Principal) {
  return principal.kind === 'session'
    ? { createdByUserId: principal.auth.user?.id ?? null, createdByApiKeyId: null }
    : { createdByUserId: null, createdByApiKeyId: principal.key.id };
}
