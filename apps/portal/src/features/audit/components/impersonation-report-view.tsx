import type { AuditEvent, ImpersonationReport } from '@onbehalf/contracts/audit';
import { type EndReason, endReasonLabels } from '@onbehalf/contracts/impersonation';
import type { ReactNode } from 'react';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { formatInstant } from '../../../lib/format.ts';
import type { PagedList } from '../../../lib/use-paged-list.ts';
import {
  useImpersonationReport,
  useImpersonationTimeline,
} from '../api/get-impersonation-report.ts';
import type { AuditScope } from '../api/list-audit-events.ts';
import { auditActorLabel, auditEventLabel, summarizeAuditDetails } from '../event-labels.ts';

const doorLabels: Record<ImpersonationReport['impersonation']['door'], string> = {
  operator: 'Support',
  team: 'Team admin',
};

const isEndReason = (value: string): value is EndReason => Object.hasOwn(endReasonLabels, value);

const none = <span className="muted">—</span>;
const instant = (iso: string) => <time dateTime={iso}>{formatInstant(iso)}</time>;

interface ImpersonationReportViewProps {
  scope: AuditScope;
  id: string;
}

/** One impersonation: who, as whom, why, how long, and everything done meanwhile. */
export function ImpersonationReportView({ scope, id }: ImpersonationReportViewProps) {
  const report = useImpersonationReport(scope, id);
  const timeline = useImpersonationTimeline(scope, id);

  if (report.isPending) return <LoadingStatus label="Loading the impersonation…" />;
  if (report.isError) {
    return (
      <section className="card">
        <ErrorAlert
          title="The impersonation could not be loaded."
          error={report.error}
          onRetry={() => void report.refetch()}
        />
      </section>
    );
  }

  const imp = report.impersonation;
  if (!imp) return <LoadingStatus label="Loading the impersonation…" />;
  const endReason = imp.endReason
    ? isEndReason(imp.endReason)
      ? endReasonLabels[imp.endReason]
      : imp.endReason
    : imp.startedAt
      ? 'Still running'
      : 'Not started';
  const fields: [string, ReactNode][] = [
    [
      'Acting person',
      <>
        {imp.actor.name}
        {imp.actor.email ? <span className="cell-detail">{imp.actor.email}</span> : null}
        {imp.actor.operatorRole ? (
          <span className="cell-detail">Operator · {imp.actor.operatorRole}</span>
        ) : null}
      </>,
    ],
    [
      'Signed in as',
      <>
        {imp.target.name} <span className="cell-detail">{imp.target.email}</span>
      </>,
    ],
    ['Organization', imp.organization?.name ?? none],
    ['Door', doorLabels[imp.door]],
    ['Reason', imp.reason ?? <span className="muted">No reason given</span>],
    ['Ticket', imp.ticket ?? none],
    [
      'Started',
      imp.startedAt ? (
        instant(imp.startedAt)
      ) : (
        <>
          Not started{' '}
          <span className="cell-detail">Token issued {formatInstant(imp.issuedAt)}</span>
        </>
      ),
    ],
    imp.endedAt
      ? ['Ended', instant(imp.endedAt)]
      : ['Ends at', imp.endsAt ? instant(imp.endsAt) : none],
    ['End reason', endReason],
  ];

  return (
    <>
      <section className="card">
        <dl className="details">
          {fields.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card" aria-labelledby="impersonation-timeline-heading">
        <h2 id="impersonation-timeline-heading">Timeline</h2>
        <Timeline list={timeline} />
      </section>
    </>
  );
}

const eventNoun = { one: 'event', other: 'events' };

/**
 * The events oldest first. The server sends the newest first, so a running impersonation's
 * latest actions show at once; "Earlier actions" puts each page before them until none are left.
 */
function Timeline({ list }: { list: PagedList<AuditEvent> }) {
  return (
    <PagedListView
      list={list}
      noun={eventNoun}
      loadingLabel="Loading the timeline…"
      errorTitle="The timeline could not be loaded."
      empty="Nothing was recorded under this impersonation."
      earlier="Earlier actions"
    >
      {(events) => (
        <div className="table-scroll">
          <table className="table" aria-label="Impersonation timeline">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Subject</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => {
                const actor = auditActorLabel(event);
                const summary = summarizeAuditDetails(event);
                return (
                  <tr key={event.id}>
                    <td className="nowrap">{instant(event.at)}</td>
                    <td>{auditEventLabel(event.type)}</td>
                    <td className="nowrap">
                      {actor.name}
                      {actor.kind ? <span className="cell-detail">{actor.kind}</span> : null}
                    </td>
                    <td className="nowrap">{event.subject?.name ?? none}</td>
                    <td>{summary || none}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </PagedListView>
  );
}
