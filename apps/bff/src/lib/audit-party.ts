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

/**
 * The same for an event a request writes whoever it is signed in as, if anyone (a preview's
 * failure): while impersonating, the person really acting and the impersonation, never the
 * person acted as alone (SPEC §4 rule 9; a review found a preview's failure named them).
 */
export function auditCaller(
  auth: AuthContext | null,
): Pick<AuditParty, 'actor' | 'impersonationId'> {
  if (!auth) return { actor: { userId: null, kind: 'anonymous' }, impersonationId: null };
  const { actor, impersonationId } = auditParty(auth);
  return { actor, impersonationId };
}
