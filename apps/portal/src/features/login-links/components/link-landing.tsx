import { isApiError } from '@onbehalf/api-client/api-error';
import type { LinkPreview } from '@onbehalf/contracts/login-links';
import type { UseQueryResult } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
// The session query is the shared auth context, so other features may use it.
import { useSession } from '../../auth/api/get-session.ts';
import { type LinkFailure, linkFailureFromError, signedInAsSomeoneElse } from '../link-outcome.ts';
import { LinkFailureNotice } from './link-failure.tsx';

interface LinkLandingProps {
  /**
   * The link's preview; null when the address held no secret worth asking about (cut
   * short, or the page was reloaded after the secret left the address bar).
   */
  preview: UseQueryResult<LinkPreview> | null;
  /** The Continue request's state. */
  redeem: { isPending: boolean; isSuccess: boolean; error: Error | null };
  onContinue: () => void;
  /** A one-click link names its user: that settles "is this someone else?" exactly. */
  linkUserId?: number;
}

/**
 * The page between opening a link and signing in: whose account it opens, and a Continue
 * button that alone redeems it (mail scanners fetch pages, they do not press buttons).
 */
export function LinkLanding({ preview, redeem, onContinue, linkUserId }: LinkLandingProps) {
  const navigate = useNavigate();
  const session = useSession();

  if (redeem.isPending || redeem.isSuccess) return <LoadingStatus label="Signing you in…" />;

  const failure: LinkFailure | null = !preview
    ? 'invalid'
    : (linkFailureFromError(redeem.error) ??
      linkFailureFromError(preview.error) ??
      (preview.data && preview.data.status !== 'valid' ? preview.data.status : null));
  if (failure) return <LinkFailureNotice failure={failure} />;

  // A stale cookie is no reason to hold the link back: the session just counts as unknown.
  if (!preview || preview.isPending || session.isPending) {
    return <LoadingStatus label="Checking the link…" />;
  }
  if (preview.isError) {
    return (
      <ErrorAlert
        title="The link could not be checked."
        error={preview.error}
        onRetry={() => void preview.refetch()}
      />
    );
  }

  const { account } = preview.data;
  const current = session.data;
  const impersonating = Boolean(current?.actor);
  const someoneElse = signedInAsSomeoneElse(current, account, linkUserId);
  // The server refuses a link while impersonating; say so before anyone presses Continue.
  const restricted = impersonating || isApiError(redeem.error, 'impersonation_restricted');

  return (
    <div className="link-landing">
      {account?.kind === 'user' ? (
        <p>
          This link signs you in as <strong>{account.name}</strong> ({account.email})
          {account.organizationName ? ` at ${account.organizationName}` : ''}.
        </p>
      ) : (
        <p>This link signs you in as a guest.</p>
      )}
      {restricted ? (
        <div role="alert" className="alert alert--error">
          Leave the impersonation first.
        </div>
      ) : someoneElse && current ? (
        <p role="status" className="alert alert--info">
          You are signed in as {current.user?.name ?? 'Guest'}. Continuing signs you out of that
          account.
        </p>
      ) : null}
      {redeem.error && !restricted ? (
        <div role="alert" className="alert alert--error">
          {redeem.error.message}
        </div>
      ) : null}
      <div className="dialog__actions">
        {restricted ? null : (
          <button type="button" className="button button--primary" onClick={onContinue}>
            Continue
          </button>
        )}
        {someoneElse || restricted ? (
          <button type="button" className="button" onClick={() => navigate('/')}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
