import { Link } from 'react-router';
import { auditAccess } from '../../features/audit/audit-access.ts';
import { AuditTrail } from '../../features/audit/components/audit-trail.tsx';
import { notWhileImpersonating } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function TeamAuditRoute() {
  useDocumentTitle('Team audit trail');
  const session = useSignedInSession();
  const access = auditAccess(session, 'team');

  return (
    <div className="page">
      <div className="page-header">
        <h1>Team audit trail</h1>
        {session.activeProfile ? (
          <p className="page-subtitle">{session.activeProfile.organization.name}</p>
        ) : null}
      </div>
      <p>
        <Link to="/team">Back to team permissions</Link>
      </p>
      {access === 'allowed' ? (
        <AuditTrail
          scope="team"
          intro={
            <p className="muted">
              What happened in your organization: sign-ins, permission changes, orders, and who
              signed in as whom.
            </p>
          }
        />
      ) : (
        <section className="card">
          <p className="empty">
            {access === 'impersonating'
              ? notWhileImpersonating
              : "You do not have access to your team's audit trail."}
          </p>
        </section>
      )}
    </div>
  );
}
