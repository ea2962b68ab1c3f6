import { Link, useParams } from 'react-router';
import type { AuditScope } from '../../features/audit/api/list-audit-events.ts';
import { auditAccess } from '../../features/audit/audit-access.ts';
import { ImpersonationReportView } from '../../features/audit/components/impersonation-report-view.tsx';
import { notWhileImpersonating } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

/** An operator's view: any impersonation, linked to its events in the full trail. */
export function AdminImpersonationRoute() {
  return <ImpersonationPage scope="sys" />;
}

/** A team admin's view: impersonations in their own organization only (the server decides). */
export function TeamImpersonationRoute() {
  return <ImpersonationPage scope="team" />;
}

function ImpersonationPage({ scope }: { scope: AuditScope }) {
  useDocumentTitle('Impersonation');
  const access = auditAccess(useSignedInSession(), scope);
  const id = useParams().id ?? '';

  return (
    <div className="page">
      <div className="page-header">
        <h1>Impersonation</h1>
        <p className="page-subtitle mono">{id}</p>
      </div>
      <p className="link-row">
        {scope === 'sys' ? (
          <>
            <Link to="/admin/audit">Back to the audit trail</Link>
            <Link to={`/admin/audit?impersonationId=${encodeURIComponent(id)}`}>
              Show its events in the audit trail
            </Link>
          </>
        ) : (
          <Link to="/team/audit">Back to the team audit trail</Link>
        )}
      </p>
      {access === 'allowed' ? (
        <ImpersonationReportView scope={scope} id={id} />
      ) : (
        <section className="card">
          <p className="empty">
            {access === 'impersonating'
              ? notWhileImpersonating
              : 'You do not have access to impersonation reports.'}
          </p>
        </section>
      )}
    </div>
  );
}
