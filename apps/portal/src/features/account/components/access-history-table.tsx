import type { AccessHistoryEntry } from '@onbehalf/contracts/impersonation';
import { endReasonLabels } from '@onbehalf/contracts/impersonation';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { formatDateTime, formatDuration } from '../../../lib/format.ts';
import { useAccessHistory } from '../api/get-access-history.ts';

const doorLabels: Record<AccessHistoryEntry['door'], string> = {
  operator: 'Support',
  team: 'Team admin',
};

/** Who signed in as me: support staff and team admins alike, with when, why and how long. */
export function AccessHistoryTable() {
  const history = useAccessHistory();

  if (history.isPending) return <LoadingStatus label="Loading access history…" />;
  if (history.isError) {
    return (
      <ErrorAlert
        title="Access history could not be loaded."
        error={history.error}
        onRetry={() => void history.refetch()}
      />
    );
  }
  if (history.data.length === 0) return <p className="empty">Nobody has signed in as you.</p>;

  return (
    <div className="table-scroll">
      <table className="table" aria-label="Access history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Reason</th>
            <th scope="col">Duration</th>
            <th scope="col">Ended</th>
          </tr>
        </thead>
        <tbody>
          {history.data.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDateTime(entry.startedAt ?? entry.issuedAt)}</td>
              <td>
                {entry.actor.name} <span className="muted">· {doorLabels[entry.door]}</span>
                {entry.organizationName ? (
                  <span className="cell-detail">as {entry.organizationName}</span>
                ) : null}
              </td>
              <td>
                {entry.reason ?? <span className="muted">No reason given</span>}
                {entry.ticket ? <span className="cell-detail">Ticket {entry.ticket}</span> : null}
              </td>
              <td>
                {entry.durationSeconds !== null && entry.startedAt && entry.endedAt
                  ? formatDuration(entry.durationSeconds)
                  : '—'}
              </td>
              <td>
                {entry.endReason
                  ? endReasonLabels[entry.endReason]
                  : entry.startedAt
                    ? 'Running'
                    : 'Not started'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
