import type { AuditEvent, AuditFilters } from '@onbehalf/contracts/audit';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { formatInstant } from '../../../lib/format.ts';
import { type AuditScope, useAuditEvents } from '../api/list-audit-events.ts';
import { auditActorLabel, auditEventLabel } from '../event-labels.ts';
import { AuditEventDialog } from './audit-event-dialog.tsx';

interface AuditEventsTableProps {
  scope: AuditScope;
  filters: AuditFilters;
  impersonationPath: (id: string) => string;
}

/** The trail, newest first, a page at a time; each row opens every field it holds. */
export function AuditEventsTable({ scope, filters, impersonationPath }: AuditEventsTableProps) {
  const events = useAuditEvents(scope, filters);
  const [open, setOpen] = useState<AuditEvent | null>(null);

  if (events.isPending) return <LoadingStatus label="Loading audit events…" />;
  if (events.isError && !events.data) {
    return (
      <ErrorAlert
        title="Audit events could not be loaded."
        error={events.error}
        onRetry={() => void events.refetch()}
      />
    );
  }
  const rows = events.data.pages.flatMap((page) => page.events);
  if (rows.length === 0) return <p className="empty">No events match these filters.</p>;

  return (
    <>
      <div className="table-scroll">
        <table className="table table--audit" aria-label="Audit events">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
              <th scope="col">Subject</th>
              <th scope="col">Organization</th>
              <th scope="col">Reason</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((event) => {
              const actor = auditActorLabel(event);
              return (
                <tr key={event.id}>
                  <td className="nowrap">
                    <time dateTime={event.at}>{formatInstant(event.at)}</time>
                  </td>
                  <td>{auditEventLabel(event.type)}</td>
                  <td className="nowrap">
                    {actor.name}
                    {actor.kind ? <span className="cell-detail">{actor.kind}</span> : null}
                  </td>
                  <td className="nowrap">
                    {event.subject?.name ?? <span className="muted">—</span>}
                  </td>
                  <td>{event.organization?.name ?? <span className="muted">—</span>}</td>
                  <td className="audit-reason">
                    {event.reason ?? <span className="muted">—</span>}
                  </td>
                  <td>
                    <div className="row-action">
                      <button
                        type="button"
                        className="button button--small"
                        aria-label={`Details of event ${event.id}`}
                        onClick={() => setOpen(event)}
                      >
                        Details
                      </button>
                      {event.impersonationId ? (
                        <Link className="nowrap" to={impersonationPath(event.impersonationId)}>
                          View impersonation
                        </Link>
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="table-footer">
        {events.isFetchNextPageError ? (
          <ErrorAlert
            title="More events could not be loaded."
            error={events.error}
            onRetry={() => void events.fetchNextPage()}
          />
        ) : events.hasNextPage ? (
          <button
            type="button"
            className="button"
            disabled={events.isFetchingNextPage}
            onClick={() => void events.fetchNextPage()}
          >
            Load more
          </button>
        ) : null}
        {events.isFetchingNextPage ? <LoadingStatus label="Loading more events…" /> : null}
      </div>
      {open ? (
        <AuditEventDialog
          event={open}
          impersonationPath={impersonationPath}
          onClose={() => setOpen(null)}
        />
      ) : null}
    </>
  );
}
