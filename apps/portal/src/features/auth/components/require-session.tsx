import type { Session } from '@onbehalf/contracts/auth';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorAlert, FullPageStatus } from '../../../components/ui/status.tsx';
import { useSession } from '../api/get-session.ts';

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
  if (!session.data) {
    const here = `${location.pathname}${location.search}`;
    const target = here === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`;
    return <Navigate to={target} replace />;
  }
  if (session.data.needsProfile && !allowNeedsProfile) {
    return <Navigate to="/select-profile" replace />;
  }
  return children(session.data);
}
