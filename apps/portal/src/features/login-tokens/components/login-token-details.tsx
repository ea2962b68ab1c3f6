import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useFocusWhenSaid } from '../../../lib/use-focus-when-said.ts';
import { useLoginAttempts, useLoginToken } from '../api/get-login-token.ts';
import {
  credentialEndReasonLabels,
  loginTokenStateLabels,
  loginTokenUseLabels,
} from '../labels.ts';
import { DeleteLoginTokenDialog } from './delete-login-token-dialog.tsx';
import { LoginAttemptsTable } from './login-attempts-table.tsx';

const attemptNoun = { one: 'attempt', other: 'attempts' };

const stateTones = {
  active: 'success',
  expired: 'warning',
  used: 'neutral',
  deleted: 'danger',
} as const;

/** One token: whom it is for, its state, how it was used, every attempt, and Delete. */
interface LoginTokenDetailsProps {
  tokenId: number;
  /** While impersonating, the server refuses to delete: no button that can only fail. */
  canDelete: boolean;
}

export function LoginTokenDetails({ tokenId, canDelete }: LoginTokenDetailsProps) {
  const details = useLoginToken(tokenId);
  const attempts = useLoginAttempts(tokenId);
  const [confirming, setConfirming] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const deletedStatus = useFocusWhenSaid<HTMLParagraphElement>(deleted);

  if (details.isPending) return <LoadingStatus label="Loading the login token…" />;
  if (details.isError) {
    return (
      <ErrorAlert
        title="The login token could not be loaded."
        error={details.error}
        onRetry={() => void details.refetch()}
      />
    );
  }

  const { token } = details;
  if (!token) return <LoadingStatus label="Loading the login token…" />;
  return (
    <>
      {deleted ? (
        <p role="status" className="alert alert--success" ref={deletedStatus} tabIndex={-1}>
          Login token deleted.
        </p>
      ) : null}
      <section className="card" aria-labelledby="token-heading">
        <div className="card__header">
          <h2 id="token-heading">Token</h2>
          {token.state === 'deleted' || !canDelete ? null : (
            <button
              type="button"
              className="button button--danger"
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          )}
        </div>
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd>{token.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{token.email ?? '—'}</dd>
          </div>
          <div>
            <dt>Type</dt>
            <dd>{token.type}</dd>
          </div>
          <div>
            <dt>Organization</dt>
            <dd>{token.organizationName ?? '—'}</dd>
          </div>
          <div>
            <dt>Who will use it</dt>
            <dd>
              {token.use
                ? loginTokenUseLabels[token.use]
                : token.type === 'Anonymous'
                  ? 'A guest (anonymous)'
                  : '—'}
            </dd>
          </div>
          {token.reason ? (
            <div>
              <dt>Reason</dt>
              <dd>{token.reason}</dd>
            </div>
          ) : null}
          <div>
            <dt>Status</dt>
            <dd>
              <Badge tone={stateTones[token.state]}>{loginTokenStateLabels[token.state]}</Badge>
              {token.endedReason ? (
                <span className="cell-detail">{credentialEndReasonLabels[token.endedReason]}</span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Expires At</dt>
            <dd>{formatDateTime(token.expiresAt)}</dd>
          </div>
          <div>
            <dt>One Time Use</dt>
            <dd>{token.oneTimeUse ? 'Yes' : 'No'}</dd>
          </div>
          <div>
            <dt>Extra</dt>
            <dd className="pre-wrap">{token.extra ?? '—'}</dd>
          </div>
          <div>
            <dt>Created by</dt>
            <dd>
              {token.createdBy ?? '—'}
              <span className="cell-detail">{formatDateTime(token.createdAt)}</span>
            </dd>
          </div>
        </dl>
      </section>
      <section className="card" aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage</h2>
        <ul className="plain-list stats">
          <li>Successful attempts: {token.successfulAttempts}</li>
          <li>Failed attempts: {token.failedAttempts}</li>
          <li>
            Last accessed: {token.lastAccessedAt ? formatDateTime(token.lastAccessedAt) : 'Never'}
          </li>
        </ul>
      </section>
      <section className="card" aria-labelledby="history-heading">
        <h2 id="history-heading">Access history</h2>
        <PagedListView
          list={attempts}
          noun={attemptNoun}
          loadingLabel="Loading attempts…"
          errorTitle="Attempts could not be loaded."
          empty="Nobody has used this token yet."
        >
          {(rows) => <LoginAttemptsTable attempts={rows} />}
        </PagedListView>
      </section>
      {confirming ? (
        <DeleteLoginTokenDialog
          tokenId={token.id}
          onDeleted={() => {
            setConfirming(false);
            setDeleted(true);
          }}
          onClose={() => setConfirming(false)}
        />
      ) : null}
    </>
  );
}
