import type { AuditFilters } from '@onbehalf/contracts/audit';
import { useSearchParams } from 'react-router';
import {
  auditFilterParams,
  operatorFilterKeys,
  readAuditFilters,
} from '../../features/audit/audit-filters.ts';
import { AuditEventsTable } from '../../features/audit/components/audit-events-table.tsx';
import { AuditExportLinks } from '../../features/audit/components/audit-export-links.tsx';
import { AuditFiltersForm } from '../../features/audit/components/audit-filters-form.tsx';
import { VerifyChain } from '../../features/audit/components/verify-chain.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

const impersonationPath = (id: string) => `/admin/impersonations/${encodeURIComponent(id)}`;

export function AdminAuditRoute() {
  useDocumentTitle('Audit trail');
  const session = useSignedInSession();
  // The filters live in the address: shareable, and they survive a reload and the back button.
  const [params, setParams] = useSearchParams();
  const filters = readAuditFilters(params, operatorFilterKeys);
  const canRead = session.permissions.includes('audit:read');
  const apply = (next: AuditFilters) => setParams(auditFilterParams(next));

  return (
    <div className="page">
      <div className="page-header">
        <h1>Audit trail</h1>
        <p className="page-subtitle">Every sign-in, impersonation and change, newest first</p>
      </div>
      {canRead ? (
        <>
          <section className="card">
            <AuditFiltersForm
              keys={operatorFilterKeys}
              filters={filters}
              onApply={apply}
              onClear={() => apply({})}
            />
          </section>
          <section className="card">
            <div className="toolbar">
              <AuditExportLinks scope="sys" filters={filters} />
              <VerifyChain />
            </div>
            <AuditEventsTable scope="sys" filters={filters} impersonationPath={impersonationPath} />
          </section>
        </>
      ) : (
        <section className="card">
          <p className="empty">You do not have access to the audit trail.</p>
        </section>
      )}
    </div>
  );
}
