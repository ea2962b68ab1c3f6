import type { AuditEvent } from '@onbehalf/contracts/audit';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { formatInstant } from '../../../lib/format.ts';
import { auditActorLabel, auditEventLabel } from '../event-labels.ts';

interface AuditEventDialogProps {
  event: AuditEvent;
  /** Where an impersonation's own page is, for this viewer (operator or team admin). */
  impersonationPath: (id: string) => string;
  onClose: () => void;
}

const none = <span className="muted">—</span>;

/** A person in the event; a team's view of staff has no email, only their role. */
function Party({ party }: { party: AuditEvent['subject'] }) {
  if (!party) return none;
  return (
    <>
      {party.name}
      {party.email ? <span className="muted"> · {party.email}</span> : null}
      {party.operatorRole ? (
        <span className="cell-detail">Operator · {party.operatorRole}</span>
      ) : null}
      <span className="cell-detail">User ID {party.id}</span>
    </>
  );
}

/** Every field the trail holds for one event, the raw details included. */
export function AuditEventDialog({ event, impersonationPath, onClose }: AuditEventDialogProps) {
  const actor = auditActorLabel(event);
  const mono = (value: string | null) => (value ? <span className="mono">{value}</span> : none);
  const fields: [string, ReactNode][] = [
    [
      'When',
      <time key="at" dateTime={event.at}>
        {formatInstant(event.at)}
      </time>,
    ],
    [
      'Event',
      <>
        {auditEventLabel(event.type)} <span className="cell-detail mono">{event.type}</span>
      </>,
    ],
    [
      'Actor',
      event.actor ? (
        <>
          <Party party={event.actor} />
          {actor.kind ? <span className="cell-detail">Kind: {actor.kind}</span> : null}
        </>
      ) : (
        actor.name
      ),
    ],
    ['Subject', <Party key="subject" party={event.subject} />],
    [
      'Organization',
      event.organization ? (
        <>
          {event.organization.name}
          <span className="cell-detail">Organization ID {event.organization.id}</span>
        </>
      ) : (
        none
      ),
    ],
    ['Reason', event.reason ?? none],
    ['Session ID', mono(event.sessionId)],
    [
      'Impersonation ID',
      event.impersonationId ? (
        <Link className="mono" to={impersonationPath(event.impersonationId)}>
          {event.impersonationId}
        </Link>
      ) : (
        none
      ),
    ],
    ['IP address', mono(event.ip)],
    ['User agent', event.userAgent ?? none],
    ['Request ID', mono(event.requestId)],
  ];

  return (
    <ModalDialog title={`Event ${event.id}`} onClose={onClose}>
      <dl className="event-fields">
        {fields.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        <div>
          <dt>Details</dt>
          <dd>
            {event.details ? (
              // Wrapped rather than scrolled sideways, so it reads without a second scrollbar.
              <pre className="json">{JSON.stringify(event.details, null, 2)}</pre>
            ) : (
              none
            )}
          </dd>
        </div>
      </dl>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
