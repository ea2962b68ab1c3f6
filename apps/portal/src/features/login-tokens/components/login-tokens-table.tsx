import { Link } from 'react-router';
import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { type LoginTokenFilters, useLoginTokens } from '../api/list-login-tokens.ts';
import { loginTokenStateLabels } from '../labels.ts';

const tokenNoun = { one: 'login token', other: 'login tokens' };

export function LoginTokensTable({ filters }: { filters: LoginTokenFilters }) {
  const tokens = useLoginTokens(filters);

  return (
    <PagedListView
      list={tokens}
      noun={tokenNoun}
      search={filters.query}
      loadingLabel="Loading login tokens…"
      errorTitle="Login tokens could not be loaded."
      empty={filters.state ? 'No login tokens match.' : 'No login tokens yet.'}
    >
      {(rows) => (
        <div className="table-scroll">
          <table className="table" aria-label="Login tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Expires At</th>
                <th scope="col">Last Accessed At</th>
                <th scope="col" className="num">
                  Successful Attempts
                </th>
                <th scope="col" className="num">
                  Failed Attempts
                </th>
                <th scope="col">One Time Use</th>
                <th scope="col">Extra</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((token) => (
                <tr key={token.id}>
                  <th scope="row">
                    {token.name}
                    {token.state === 'active' ? null : (
                      <>
                        {' '}
                        <Badge tone={token.state === 'deleted' ? 'danger' : 'warning'}>
                          {loginTokenStateLabels[token.state]}
                        </Badge>
                      </>
                    )}
                    {token.organizationName ? (
                      <span className="cell-detail">{token.organizationName}</span>
                    ) : null}
                  </th>
                  <td>{token.type}</td>
                  <td>{formatDateTime(token.expiresAt)}</td>
                  <td>
                    {token.lastAccessedAt ? (
                      formatDateTime(token.lastAccessedAt)
                    ) : (
                      <span className="muted">Never</span>
                    )}
                  </td>
                  <td className="num">{token.successfulAttempts}</td>
                  <td className="num">{token.failedAttempts}</td>
                  <td>{token.oneTimeUse ? 'Yes' : 'No'}</td>
                  <td className="cell-extra">
                    {token.extra ? (
                      <span title={token.extra}>{token.extra}</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="table__actions">
                    <Link
                      to={`/admin/login-tokens/${token.id}`}
                      aria-label={`Details for login token ${token.id}`}
                    >
                      Details
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </PagedListView>
  );
}
