import type { AuditFilters } from '@onbehalf/contracts/audit';
import { Link, useSearchParams } from 'react-router';
import {
  auditFilterParams,
  readAuditFilters,
  teamFilterKeys,
} from '../../features/audit/audit-filters.ts';
import { AuditEventsTable } from '../../features/audit/components/audit-events-table.tsx';
import { AuditExportLinks } from '../../features/audit/components/audit-export-links.tsx';
import { AuditFiltersForm } from '../../features/audit/components/audit-filters-form.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

const impersonationPath = (id: string) => `/team/impersonations/${encodeURIComponent(id)}`;

export function TeamAuditRoute() {
  useDocumentTitle('Team audit trail');
  const session = useSignedInSession();
  const [params, setParams] = useSearchParams();
  const filters = readAuditFilters(params, teamFilterKeys);
  const canManage = session.permissions.includes('team:manage');
  const apply = (next: AuditFilters) => setParams(auditFilterParams(next));

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
      {canManage ? (
        <>
          <section className="card">
            <p className="muted">
              What happened in your organization: sign-ins, permission changes, orders, and who
              signed in as whom.
            </p>
            <AuditFiltersForm
              keys={teamFilterKeys}
              filters={filters}
              onApply={apply}
              onClear={() => apply({})}
            />
          </section>
          <section className="card">
            <div className="toolbar">
              <AuditExportLinks scope="team" filters={filters} />
            </div>
            <AuditEventsTable
              scope="team"
              filters={filters}
              impersonationPath={impersonationPath}
            />
          </section>
        </>
      ) : (
        <section className="card">
          <p className="empty">You do not have access to your team's audit trail.</p>
        </section>
      )}
    </div>
  );
}
