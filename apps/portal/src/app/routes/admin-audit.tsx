import { auditAccess } from '../../features/audit/audit-access.ts';
import { AuditTrail } from '../../features/audit/components/audit-trail.tsx';
import { VerifyChain } from '../../features/audit/components/verify-chain.tsx';
import { notWhileImpersonating } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminAuditRoute() {
  useDocumentTitle('Audit trail');
  const access = auditAccess(useSignedInSession(), 'sys');

  return (
    <div className="page">
      <div className="page-header">
        <h1>Audit trail</h1>
        <p className="page-subtitle">Every sign-in, impersonation and change, newest first</p>
      </div>
      {access === 'allowed' ? (
        <AuditTrail scope="sys" toolbar={<VerifyChain />} />
      ) : (
        <section className="card">
          <p className="empty">
            {access === 'impersonating'
              ? notWhileImpersonating
              : 'You do not have access to the audit trail.'}
          </p>
        </section>
      )}
    </div>
  );
}
