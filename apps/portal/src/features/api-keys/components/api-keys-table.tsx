import type { ApiKeySummary } from '@onbehalf/contracts/login-links';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useFocusWhenSaid } from '../../../lib/use-focus-when-said.ts';
import { useApiKeys } from '../api/list-api-keys.ts';
import { apiKeyScopeLabels } from '../labels.ts';
import { RevokeApiKeyDialog } from './revoke-api-key-dialog.tsx';

const keyNoun = { one: 'API key', other: 'API keys' };

export function ApiKeysTable() {
  const keys = useApiKeys();
  const [revoking, setRevoking] = useState<ApiKeySummary | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const revokedStatus = useFocusWhenSaid<HTMLParagraphElement>(revoked);

  return (
    <>
      {revoked ? (
        <p role="status" className="alert alert--success" ref={revokedStatus} tabIndex={-1}>
          API key {revoked} revoked.
        </p>
      ) : null}
      <PagedListView
        list={keys}
        noun={keyNoun}
        loadingLabel="Loading API keys…"
        errorTitle="API keys could not be loaded."
        empty="No API keys yet."
      >
        {(rows) => (
          <div className="table-scroll">
            <table className="table" aria-label="API keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Organizations</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((key) => (
                  <tr key={key.id}>
                    <th scope="row">
                      {key.name}
                      <span className="cell-detail mono">{key.prefix}</span>
                    </th>
                    <td>
                      <ul className="plain-list">
                        {key.scopes.map((scope) => (
                          <li key={scope}>{apiKeyScopeLabels[scope]}</li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <ul className="plain-list">
                        {key.organizations.map((organization) => (
                          <li key={organization.id}>{organization.name}</li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      {formatDateTime(key.createdAt)}
                      {key.createdBy ? (
                        <span className="cell-detail">by {key.createdBy}</span>
                      ) : null}
                    </td>
                    <td>{formatDateTime(key.expiresAt)}</td>
                    <td>
                      {key.lastUsedAt ? (
                        formatDateTime(key.lastUsedAt)
                      ) : (
                        <span className="muted">Never</span>
                      )}
                    </td>
                    <td>
                      {key.revokedAt ? (
                        <Badge tone="danger">Revoked</Badge>
                      ) : Date.parse(key.expiresAt) <= Date.now() ? (
                        <Badge tone="neutral">Expired</Badge>
                      ) : (
                        <Badge tone="success">Active</Badge>
                      )}
                    </td>
                    <td className="table__actions">
                      {key.revokedAt ? null : (
                        <button
                          type="button"
                          className="button button--small button--danger"
                          aria-label={`Revoke API key ${key.name}`}
                          onClick={() => setRevoking(key)}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedListView>
      {revoking ? (
        <RevokeApiKeyDialog
          apiKey={revoking}
          onRevoked={() => {
            setRevoked(revoking.name);
            setRevoking(null);
          }}
          onClose={() => setRevoking(null)}
        />
      ) : null}
    </>
  );
}
