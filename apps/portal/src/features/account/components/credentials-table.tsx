import type { AccountCredential, CredentialHolder } from '@onbehalf/contracts/login-links';
import { useId, useState } from 'react';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { makerLabel } from '../../../lib/people.ts';
import { useFocusWhenSaid } from '../../../lib/use-focus-when-said.ts';
import { useCredentials } from '../api/list-credentials.ts';
import {
  credentialHolderLabels,
  credentialKindLabels,
  credentialPurposeLabels,
  isCredentialHolder,
  usesLabel,
} from '../credential-labels.ts';
import { RevokeCredentialDialog } from './revoke-credential-dialog.tsx';

const credentialNoun = { one: 'sign-in link or token', other: 'sign-in links and tokens' };

const holders = Object.entries(credentialHolderLabels) as [CredentialHolder, string][];

interface CredentialsTableProps {
  /** Only those one holder holds; all when not given. */
  heldBy?: CredentialHolder | undefined;
  onHeldBy: (heldBy: CredentialHolder | undefined) => void;
}

/**
 * "Sign-in links and tokens made for you": every one that still works, who made it and for
 * whom, each revocable (SPEC §4b), a page at a time, newest made first; first, those used
 * whose impersonation of me still runs, which revoking ends. Those others hold
 * (support's, an integration's) can be shown alone, so that none hides pages down behind the
 * person's own sign-in links.
 */
export function CredentialsTable({ heldBy, onHeldBy }: CredentialsTableProps) {
  const credentials = useCredentials(heldBy);
  const [revoking, setRevoking] = useState<AccountCredential | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const revokedStatus = useFocusWhenSaid<HTMLParagraphElement>(revoked);
  const holderId = useId();

  return (
    <>
      <div className="field">
        <label htmlFor={holderId}>Show</label>
        <select
          id={holderId}
          name="heldBy"
          value={heldBy ?? ''}
          onChange={(event) =>
            onHeldBy(isCredentialHolder(event.target.value) ? event.target.value : undefined)
          }
        >
          <option value="">All</option>
          {holders.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <p role="status" className="form-status" ref={revokedStatus} tabIndex={-1}>
        {revoked}
      </p>
      <PagedListView
        list={credentials}
        noun={credentialNoun}
        loadingLabel="Loading sign-in links and tokens…"
        errorTitle="Sign-in links and tokens could not be loaded."
        empty={
          heldBy
            ? `No sign-in link or login token made for you and ${heldBy === 'me' ? 'sent to you' : 'held by others'} works right now.`
            : 'No sign-in link or login token made for you works right now.'
        }
      >
        {(rows) => (
          <div className="table-scroll">
            <table className="table" aria-label="Sign-in links and tokens made for you">
              <thead>
                <tr>
                  <th scope="col">Link or token</th>
                  <th scope="col">Made by</th>
                  <th scope="col">For</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Uses</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((credential) => (
                  <tr key={`${credential.kind}:${credential.id}`}>
                    <th scope="row">
                      {credential.name}
                      <span className="cell-detail">
                        {credentialKindLabels[credential.kind]}
                        {credential.organizationName ? ` · ${credential.organizationName}` : ''}
                      </span>
                      {credential.inUse ? (
                        <span className="cell-detail">
                          <strong>In use:</strong> {makerLabel(credential.maker)} is acting as you
                          with it now
                        </span>
                      ) : null}
                    </th>
                    <td>
                      {makerLabel(credential.maker)}
                      <span className="cell-detail">{formatDateTime(credential.createdAt)}</span>
                    </td>
                    <td>{credentialPurposeLabels[credential.purpose]}</td>
                    <td>{credential.reason ?? <span className="muted">—</span>}</td>
                    <td>{formatDateTime(credential.expiresAt)}</td>
                    <td>
                      {usesLabel(credential.uses, credential.oneTimeUse)}
                      {credential.lastUsedAt ? (
                        <span className="cell-detail">
                          Last {formatDateTime(credential.lastUsedAt)}
                        </span>
                      ) : null}
                    </td>
                    <td className="table__actions">
                      <button
                        type="button"
                        className="button button--small button--danger"
                        aria-label={`Revoke ${credential.name}`}
                        onClick={() => {
                          setRevoked(null);
                          setRevoking(credential);
                        }}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedListView>
      {revoking ? (
        <RevokeCredentialDialog
          credential={revoking}
          onRevoked={() => {
            setRevoked(`${revoking.name} was revoked: it no longer works.`);
            setRevoking(null);
          }}
          onClose={() => setRevoking(null)}
        />
      ) : null}
    </>
  );
}
