import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDateTime, shortenUserAgent } from '../../../lib/format.ts';
import { personWithRole } from '../../../lib/people.ts';
import { useSessions } from '../api/list-sessions.ts';
import { useRevokeSession } from '../api/revoke-session.ts';

const sessionNoun = { one: 'session', other: 'sessions' };

/** My sessions; `search` (from the address) finds them by name, device or address. */
export function SessionsTable({ search }: { search: string }) {
  const sessions = useSessions(search);
  const revoke = useRevokeSession();

  return (
    <>
      {revoke.isError ? (
        <div role="alert" className="alert alert--error">
          {revoke.error.message}
        </div>
      ) : null}
      {revoke.isSuccess ? (
        <p role="status" className="alert alert--success">
          Session revoked.
        </p>
      ) : null}
      <PagedListView
        list={sessions}
        noun={sessionNoun}
        loadingLabel="Loading sessions…"
        errorTitle="Sessions could not be loaded."
        search={search}
        empty="No active sessions."
      >
        {(rows) => (
          <table className="table" aria-label="Your sessions">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">Organization</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.actingAs ? (
                      // Someone else holds it as you: where they sit is theirs, not yours to see.
                      <>Used by {personWithRole(s.actingAs)}</>
                    ) : (
                      <span title={s.userAgent ?? undefined}>{shortenUserAgent(s.userAgent)}</span>
                    )}
                    {s.via ? (
                      <span className="cell-detail">Opened by the integration “{s.via.name}”</span>
                    ) : null}
                    {s.current ? (
                      <>
                        {' '}
                        <Badge tone="info">This device</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>{s.ip ?? '—'}</td>
                  <td>{formatDateTime(s.createdAt)}</td>
                  <td>{formatDateTime(s.lastSeenAt)}</td>
                  <td>{s.organizationName ?? '—'}</td>
                  <td className="table__actions">
                    {s.current ? (
                      <span className="muted">Use Sign out</span>
                    ) : (
                      <button
                        type="button"
                        className="button button--small button--danger"
                        // Named by what a sighted person reads in the row, not by its id.
                        aria-label={`Revoke the session ${
                          s.actingAs
                            ? `used by ${personWithRole(s.actingAs)}`
                            : `on ${shortenUserAgent(s.userAgent)}${s.ip ? ` from ${s.ip}` : ''}`
                        }, signed in ${formatDateTime(s.createdAt)}`}
                        disabled={revoke.isPending && revoke.variables === s.id}
                        onClick={() => revoke.mutate(s.id)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedListView>
    </>
  );
}
