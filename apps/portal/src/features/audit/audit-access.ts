import type { Session } from '@onbehalf/contracts/auth';
import type { AuditScope } from './api/list-audit-events.ts';

/** What an audit page may show its visitor. */
export type AuditAccess = 'allowed' | 'forbidden' | 'impersonating';

/**
 * The server reads the audit trail (the full one with `audit:read`, the team's with
 * `team:manage`) only for people acting as themselves: while someone is signed in as someone
 * else the page says so instead of asking and showing the refusal.
 */
export function auditAccess(
  session: Pick<Session, 'permissions' | 'actor'>,
  scope: AuditScope,
): AuditAccess {
  const needed = scope === 'sys' ? 'audit:read' : 'team:manage';
  if (!session.permissions.includes(needed)) return 'forbidden';
  return session.actor ? 'impersonating' : 'allowed';
}
