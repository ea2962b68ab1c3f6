import type { Session } from '@onbehalf/contracts/auth';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ErrorAlert, FullPageStatus } from '../../../components/ui/status.tsx';
import { startFreshSession, useSession } from '../../../lib/auth/session.ts';
import { noticeState } from '../../../lib/notice.ts';
import { profileChoiceFor } from '../../../lib/safe-next.ts';

interface RequireSessionProps {
  /** The profile chooser itself must be reachable while a profile is still to be picked. */
  allowNeedsProfile?: boolean;
  children: (session: Session) => ReactNode;
}

/** Renders its children only for a signed-in session; otherwise sends the visitor on. */
export function RequireSession({ allowNeedsProfile = false, children }: RequireSessionProps) {
  const location = useLocation();
  const session = useSession();

  if (session.isPending) return <FullPageStatus label="Loading your session…" />;
  if (session.isError) {
    return (
      <main className="page-status">
        <ErrorAlert
          title="Your session could not be loaded."
          error={session.error}
          onRetry={() => void session.refetch()}
        />
      </main>
    );
  }
  const here = `${location.pathname}${location.search}`;
  if (!session.data) {
    const target = here === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`;
    return <Navigate to={target} replace />;
  }
  if (session.data.impersonationEnded) {
    return <ImpersonationEnded message={session.data.impersonationEnded.message} />;
  }
  if (session.data.needsProfile && !allowNeedsProfile) {
    return <Navigate to={profileChoiceFor(here)} replace />;
  }
  return children(session.data);
}

/**
 * The impersonation ended by itself (time limit, rights lost, setting switched off) and the
 * cookie now speaks for the actor again. Nothing cached while acting as the target may show:
 * clear it all, reload the actor's session, and take them to their own dashboard.
 */
function ImpersonationEnded({ message }: { message: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  useEffect(() => {
    void startFreshSession(queryClient)
      // A failed reload shows its own error on the dashboard; go there all the same.
      .catch(() => null)
      .then(() =>
        navigate('/', { replace: true, state: noticeState(`Impersonation ended: ${message}`) }),
      );
  }, [message, navigate, queryClient]);

  return <FullPageStatus label="The impersonation has ended…" />;
}
