import type { AuditEvent, AuditFilters } from '@onbehalf/contracts/audit';
import { useState } from 'react';
import { Link } from 'react-router';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatInstant } from '../../../lib/format.ts';
import { type AuditScope, useAuditEvents } from '../api/list-audit-events.ts';
import { auditActorLabel, auditEventLabel } from '../event-labels.ts';
import { AuditEventDialog } from './audit-event-dialog.tsx';

const eventNoun = { one: 'event', other: 'events' };

interface AuditEventsTableProps {
  scope: AuditScope;
  filters: AuditFilters;
  impersonationPath: (id: string) => string;
}

/** The trail, newest first, a page at a time; each row opens every field it holds. */
export function AuditEventsTable({ scope, filters, impersonationPath }: AuditEventsTableProps) {
  const events = useAuditEvents(scope, filters);
  const [open, setOpen] = useState<AuditEvent | null>(null);

  return (
    <>
      <PagedListView
        list={events}
        noun={eventNoun}
        loadingLabel="Loading audit events…"
        errorTitle="Audit events could not be loaded."
        empty="No events match these filters."
      >
        {(rows) => (
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
        )}
      </PagedListView>
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
