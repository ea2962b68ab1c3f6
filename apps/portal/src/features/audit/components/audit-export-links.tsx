import type { AuditFilters } from '@onbehalf/contracts/audit';
import { api } from '../../../lib/api.ts';
import type { AuditScope } from '../api/list-audit-events.ts';

interface AuditExportLinksProps {
  scope: AuditScope;
  filters: AuditFilters;
}

/**
 * Plain links, not fetches: the browser streams the file to disk with the session cookie, so
 * an export of any size never passes through the page's memory. Followed, not `download`ed:
 * the file still downloads (the server sends it as an attachment), and a refusal (another
 * export still running, a session that ended) is the server's page saying why, where a
 * `download` link would only report a failed download.
 */
export function AuditExportLinks({ scope, filters }: AuditExportLinksProps) {
  return (
    <>
      <a className="button" href={api.audit.exportUrl('ndjson', filters, scope)}>
        Export NDJSON
      </a>
      <a className="button" href={api.audit.exportUrl('csv', filters, scope)}>
        Export CSV
      </a>
    </>
  );
}
