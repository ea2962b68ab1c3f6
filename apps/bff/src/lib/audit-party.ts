import type { AuthContext } from '../app-env.ts';
import type { AuditEntry } from './audit-event.ts';

/**
 * Who did it and to whom, for an audit entry. While impersonating, the actor is the person
 * really acting and the subject the person acted as, with the impersonation id: both named.
 */
export interface AuditParty {
  actor: NonNullable<AuditEntry['actor']>;
  subjectUserId: number | null;
  impersonationId: string | null;
  sessionId: string | null;
}

export function auditParty(auth: AuthContext): AuditParty {
  const subjectUserId = auth.user?.id ?? null;
  if (auth.impersonation) {
    const { actorUser, row } = auth.impersonation;
    return {
      actor: { userId: actorUser.id, kind: actorUser.kind },
      subjectUserId,
      impersonationId: row.id,
      sessionId: auth.session.id,
    };
  }
  return {
    actor: { userId: subjectUserId, kind: auth.user?.kind ?? 'anonymous' },
    subjectUserId,
    impersonationId: null,
    sessionId: auth.session.id,
  };
}
