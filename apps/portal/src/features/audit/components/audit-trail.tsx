import type { AuditFilters } from '@onbehalf/contracts/audit';
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import type { AuditScope } from '../api/list-audit-events.ts';
import { auditFilterParams, readAuditFilters } from '../audit-filters.ts';
import { AuditEventsTable } from './audit-events-table.tsx';
import { AuditExportLinks } from './audit-export-links.tsx';
import { AuditFiltersForm } from './audit-filters-form.tsx';

const impersonationPaths: Record<AuditScope, string> = {
  sys: '/admin/impersonations',
  team: '/team/impersonations',
};

interface AuditTrailProps {
  scope: AuditScope;
  /** Beside the export links, such as the operator's chain check. */
  toolbar?: ReactNode;
  /** Above the filters, in their card. */
  intro?: ReactNode;
}

/** A trail's filters and its events, with the filters offered and the links fitting the scope. */
export function AuditTrail({ scope, toolbar, intro }: AuditTrailProps) {
  // The filters live in the address: shareable, and they survive a reload and the back button.
  const [params, setParams] = useSearchParams();
  const filters = readAuditFilters(params, scope);
  const apply = (next: AuditFilters) => setParams(auditFilterParams(next));
  const impersonationPath = (id: string) =>
    `${impersonationPaths[scope]}/${encodeURIComponent(id)}`;

  return (
    <>
      <section className="card">
        {intro}
        <AuditFiltersForm
          scope={scope}
          filters={filters}
          onApply={apply}
          onClear={() => apply({})}
        />
      </section>
      <section className="card">
        <div className="toolbar">
          <AuditExportLinks scope={scope} filters={filters} />
          {toolbar}
        </div>
        <AuditEventsTable scope={scope} filters={filters} impersonationPath={impersonationPath} />
      </section>
    </>
  );
}
