import type {
  AccessHistoryEntry,
  AccessHistoryIntegration,
} from '@onbehalf/contracts/impersonation';
import { endReasonLabels } from '@onbehalf/contracts/impersonation';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDateTime, formatDuration } from '../../../lib/format.ts';
import { makerLabel } from '../../../lib/people.ts';
import { useAccessHistory, useIntegrationAccess } from '../api/get-access-history.ts';
import { credentialKindLabels, integrationStateLabels } from '../credential-labels.ts';

const doorLabels: Record<AccessHistoryEntry['door'], string> = {
  operator: 'Support',
  team: 'Team admin',
};

const historyNoun = { one: 'impersonation', other: 'impersonations' };
const integrationNoun = { one: 'integration', other: 'integrations' };

/**
 * Who signed in as me (support staff and team admins alike, with when, why and how long), a
 * page at a time, and every integration given a way to sign me in, one line per link or token.
 */
export function AccessHistoryTable() {
  const history = useAccessHistory();
  const integrations = useIntegrationAccess();

  return (
    <>
      <PagedListView
        list={history}
        noun={historyNoun}
        loadingLabel="Loading access history…"
        errorTitle="Access history could not be loaded."
        empty="Nobody has signed in as you."
      >
        {(entries) => <PeopleTable entries={entries} />}
      </PagedListView>
      <h3 id="integrations-heading">Integrations</h3>
      <PagedListView
        list={integrations}
        noun={integrationNoun}
        loadingLabel="Loading integrations…"
        errorTitle="Integrations could not be loaded."
        empty="No integration has been given a way to sign you in."
      >
        {(lines) => <IntegrationsTable integrations={lines} />}
      </PagedListView>
    </>
  );
}

function PeopleTable({ entries }: { entries: readonly AccessHistoryEntry[] }) {
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
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDateTime(entry.startedAt ?? entry.issuedAt)}</td>
              <td>
                {entry.actor.name} <span className="muted">· {doorLabels[entry.door]}</span>
                {entry.organizationName ? (
                  <span className="cell-detail">as {entry.organizationName}</span>
                ) : null}
                {entry.via ? (
                  <span className="cell-detail">
                    With a {credentialKindLabels[entry.via.kind].toLowerCase()} they made for
                    themselves
                  </span>
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

function IntegrationsTable({
  integrations,
}: {
  integrations: readonly AccessHistoryIntegration[];
}) {
  return (
    <div className="table-scroll">
      <table className="table" aria-labelledby="integrations-heading">
        <thead>
          <tr>
            <th scope="col">Integration</th>
            <th scope="col">Made by</th>
            <th scope="col">Uses</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {integrations.map((integration) => (
            <tr key={`${integration.kind}:${integration.id}`}>
              <th scope="row">
                {integration.name}
                <span className="cell-detail">
                  {credentialKindLabels[integration.kind]}
                  {integration.organizationName ? ` · ${integration.organizationName}` : ''}
                </span>
              </th>
              <td>
                {makerLabel(integration.maker)}
                <span className="cell-detail">{formatDateTime(integration.createdAt)}</span>
              </td>
              <td>{integration.uses}</td>
              <td>{integration.lastUsedAt ? formatDateTime(integration.lastUsedAt) : 'Never'}</td>
              <td>
                {integrationStateLabels[integration.state]}
                {integration.state === 'active' ? (
                  <span className="cell-detail">Until {formatDateTime(integration.expiresAt)}</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
