import type { AuditEvent, ImpersonationReport } from '@onbehalf/contracts/audit';
import { type EndReason, endReasonLabels } from '@onbehalf/contracts/impersonation';
import type { ReactNode } from 'react';
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

/** How many events are shown, and whether earlier ones are still to load. */
function timelineSummary(shown: number, earlier: boolean): string {
  if (earlier) return `Showing the latest ${shown} events.`;
  if (shown === 1) return 'Showing the only event.';
  return `Showing all ${shown} events.`;
}

/**
 * The events oldest first. The server sends the newest first, so a running impersonation's
 * latest actions show at once; "Earlier actions" puts each page before them until none are left.
 */
function Timeline({ list }: { list: PagedList<AuditEvent> }) {
  if (list.isPending || list.isSearching) return <LoadingStatus label="Loading the timeline…" />;
  if (list.failed) {
    return (
      <ErrorAlert
        title="The timeline could not be loaded."
        error={list.error}
        onRetry={list.retry}
      />
    );
  }
  const { items: events } = list;
  if (events.length === 0 && !list.hasMore) {
    return <p className="empty">Nothing was recorded under this impersonation.</p>;
  }
  return (
    <>
      {list.refreshFailed ? (
        <ErrorAlert
          title="The timeline could not be refreshed."
          error={list.error}
          onRetry={list.retry}
        />
      ) : null}
      <div className="table-footer table-footer--above">
        <p role="status" className="list-summary">
          {timelineSummary(events.length, list.hasMore)}
        </p>
        {list.loadMoreFailed ? (
          <ErrorAlert
            title="Earlier actions could not be loaded."
            error={list.error}
            onRetry={list.loadMore}
          />
        ) : list.hasMore ? (
          <button
            type="button"
            className="button"
            disabled={list.isLoadingMore}
            onClick={list.loadMore}
          >
            Earlier actions
          </button>
        ) : null}
        {list.isLoadingMore ? <LoadingStatus label="Loading earlier actions…" /> : null}
      </div>
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
    </>
  );
}
