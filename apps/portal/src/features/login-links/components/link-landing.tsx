import { isApiError } from '@onbehalf/api-client/api-error';
import type { LinkPreview } from '@onbehalf/contracts/login-links';
import type { UseQueryResult } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
// The session query is the shared auth context, so other features may use it.
import { useSession } from '../../../lib/auth/session.ts';
import { makerLabel } from '../../../lib/people.ts';
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

  const { account, maker } = preview.data;
  const current = session.data;
  const impersonating = Boolean(current?.actor);
  // A support handover is its maker's way into the customer's view (SPEC §4b): it opens as an
  // impersonation, only for the maker, signed in as themselves; nobody is signed out by it.
  const handover = preview.data.purpose === 'support';
  // The server names a handover's parties to its maker only (signed in as themselves).
  const makersView = handover && maker !== null;
  const signedInAsPerson = Boolean(current?.user);
  const someoneElse = !handover && signedInAsSomeoneElse(current, account, linkUserId);
  // The server refuses a link while impersonating; say so before anyone presses Continue.
  const restricted = impersonating || isApiError(redeem.error, 'impersonation_restricted');
  const notYours = isApiError(redeem.error, 'handover_not_yours');
  // An integration's link is for a system; staff see a customer's view by a support link.
  const integration = preview.data.purpose === 'integration';
  const forSystem =
    (integration && current?.user?.kind === 'operator') ||
    isApiError(redeem.error, 'integration_not_for_staff');
  // Nor is it for anyone else signed in here: a coworker's way is the team door.
  const forItsPerson =
    (integration && !forSystem && Boolean(current?.user) && someoneElse) ||
    isApiError(redeem.error, 'integration_not_for_you');
  const mayContinue =
    !restricted && !notYours && !forSystem && !forItsPerson && (!handover || makersView);

  return (
    <div className="link-landing">
      {handover && !makersView ? (
        <p>
          This is a support agent’s sign-in link. Only the agent who made it can open it, while
          signed in as themselves.
        </p>
      ) : makersView && maker && account?.kind === 'user' ? (
        <>
          <p>
            This link signs its maker, <strong>{makerLabel(maker)}</strong>, in as{' '}
            <strong>{account.name}</strong> ({account.email})
            {account.organizationName ? ` at ${account.organizationName}` : ''}, as an
            impersonation: they see the portal as {account.name} does, for a limited time, with a
            banner, and it shows in {account.name}’s access history.
          </p>
          <p>Only {maker.name} can open it, while signed in as themselves.</p>
        </>
      ) : account?.kind === 'user' ? (
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
      ) : forSystem ? (
        <div role="alert" className="alert alert--error">
          This link is for the integration it was made for, not for staff signed in to the
          backoffice. To see this customer’s view, use Sign in as… in Admin › Users.
        </div>
      ) : forItsPerson ? (
        <div role="alert" className="alert alert--error">
          This link is for the integration it was made for, in its own person’s browser, and you are
          signed in as {current?.user?.name ?? 'someone else'}. To see a team member’s view, use
          Sign in as… on the team page.
        </div>
      ) : handover && !signedInAsPerson ? (
        <p role="status" className="alert alert--info">
          You are not signed in. If you made this link, <Link to="/sign-in">sign in</Link> as
          yourself first, then open it again.
        </p>
      ) : handover && !makersView && current?.user ? (
        <p role="status" className="alert alert--info">
          You are signed in as {current.user.name}, who did not make this link.
        </p>
      ) : makersView && current?.user && !notYours ? (
        <p role="status" className="alert alert--info">
          You are signed in as {current.user.name}. Continue starts the impersonation; Leave
          Impersonation brings you back.
        </p>
      ) : someoneElse && current ? (
        <p role="status" className="alert alert--info">
          You are signed in as {current.user?.name ?? 'Guest'}. Continuing signs you out of that
          account.
        </p>
      ) : null}
      {redeem.error && !restricted && !forSystem && !forItsPerson ? (
        <div role="alert" className="alert alert--error">
          {redeem.error.message}
        </div>
      ) : null}
      <div className="dialog__actions">
        {mayContinue ? (
          <button type="button" className="button button--primary" onClick={onContinue}>
            Continue
          </button>
        ) : null}
        {someoneElse ||
        restricted ||
        forSystem ||
        forItsPerson ||
        (handover && signedInAsPerson) ? (
          <button type="button" className="button" onClick={() => navigate('/')}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
