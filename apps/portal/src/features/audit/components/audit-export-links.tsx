import type { AuditFilters } from '@onbehalf/contracts/audit';
import { api } from '../../../lib/api.ts';
import type { AuditScope } from '../api/list-audit-events.ts';

interface AuditExportLinksProps {
  scope: AuditScope;
  filters: AuditFilters;
}

/**
 * Plain links, not fetches: the browser streams the file to disk with the session cookie, so
 * an export of any size never passes through the page's memory.
 */
export function AuditExportLinks({ scope, filters }: AuditExportLinksProps) {
  return (
    <>
      <a className="button" href={api.audit.exportUrl('ndjson', filters, scope)} download>
        Export NDJSON
      </a>
      <a className="button" href={api.audit.exportUrl('csv', filters, scope)} download>
        Export CSV
      </a>
    </>
  );
}
