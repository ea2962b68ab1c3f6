import type { Context } from 'hono';
import type { AppEnv, AuthContext } from '../app-env.ts';
import { type AuditParty, auditParty } from '../lib/audit-party.ts';
import { getAuth } from '../middleware/session.ts';
import type { ApiKeyRow } from '../store/rows.ts';

/**
 * Who is calling a route open to both operators and integrations; or the command line, which
 * runs with the server's own authority and is audited as the system.
 */
export type Principal =
  | { kind: 'session'; auth: AuthContext }
  | { kind: 'api_key'; key: ApiKeyRow }
  | { kind: 'system'; name: string };

export function getPrincipal(c: Context<AppEnv>): Principal {
  const key = c.get('apiKey');
  return key ? { kind: 'api_key', key } : { kind: 'session', auth: getAuth(c) };
}

export function principalAuditParty(
  principal: Principal,
): AuditParty & { details: Record<string, unknown> } {
  if (principal.kind === 'session') return { ...auditParty(principal.auth), details: {} };
  if (principal.kind === 'system') {
    return {
      actor: { userId: null, kind: 'system' },
      subjectUserId: null,
      impersonationId: null,
      sessionId: null,
      details: { source: principal.name },
    };
  }
  return {
    actor: { userId: null, kind: 'system' },
    subjectUserId: null,
    impersonationId: null,
    sessionId: null,
    details: { apiKeyId: principal.key.id, apiKeyName: principal.key.name },
  };
}

export function principalCreatedBy(principal: Principal) {
  switch (principal.kind) {
    case 'session':
      return { createdByUserId: principal.auth.user?.id ?? null, createdByApiKeyId: null };
    case 'api_key':
      return { createdByUserId: null, createdByApiKeyId: principal.key.id };
    case 'system':
      return { createdByUserId: null, createdByApiKeyId: null };
  }
}
