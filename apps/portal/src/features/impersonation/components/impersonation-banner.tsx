import type { Actor, Session } from '@onbehalf/contracts/auth';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useSession } from '../../../lib/auth/session.ts';
import { noticeState } from '../../../lib/notice.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { useLeaveImpersonation } from '../api/leave-impersonation.ts';
import { formatRemaining, remainingMs, serverSkewMs } from '../countdown.ts';

const TICK_MS = 1_000;
/** Once time is up, how often to ask the server until it agrees (clocks drift a little). */
const RECHECK_MS = 3_000;

interface ImpersonationBannerProps {
  session: Session;
  actor: Actor;
}

/** The bar at the top of every signed-in page while someone is acting as someone else. */
export function ImpersonationBanner({ session, actor }: ImpersonationBannerProps) {
  const navigate = useNavigate();
  const leave = useLeaveImpersonation();
  // Counted on the server's clock: the session says its time when it was read (a review found
  // a browser two hours ahead showing "0 s" and asking for the session every 3 s).
  const receivedAt = useSession().dataUpdatedAt;
  const left = useRemaining(actor.endsAt, serverSkewMs(session.asOf, receivedAt));
  const organization = session.activeProfile?.organization.name;

  function handleLeave() {
    leave.mutateAsync().then(
      () =>
        navigate('/', { replace: true, state: noticeState('You have left the impersonation.') }),
      // Shown in the banner from the mutation's state.
      () => undefined,
    );
  }

  return (
    <section className="impersonation-banner" aria-label="Impersonation">
      <div className="impersonation-banner__inner">
        <p className="impersonation-banner__text">
          You are signed in as <strong>{session.user?.name ?? 'a guest'}</strong>
          {organization ? ` (${organization})` : ''} — by {actor.user.name}, ends in{' '}
          {formatRemaining(left)}
        </p>
        <button
          type="button"
          className="button button--small impersonation-banner__leave"
          disabled={leave.isPending}
          onClick={handleLeave}
        >
          Leave Impersonation
        </button>
        {leave.isError ? (
          <span role="alert" className="header-alert">
            {leave.error.message}
          </span>
        ) : null}
      </div>
    </section>
  );
}

/**
 * Milliseconds left until `endsAt` on the server's clock (this one's plus `skewMs`), ticking
 * every second. At zero it asks for the session again: the server then answers with the
 * actor's own session and why the impersonation ended, which the session guard acts on.
 */
function useRemaining(endsAt: string, skewMs: number): number {
  const queryClient = useQueryClient();
  const [now, setNow] = useState(() => Date.now());
  const lastCheck = useRef(0);
  const left = remainingMs(endsAt, now + skewMs);

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), TICK_MS);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    if (left > 0 || now - lastCheck.current < RECHECK_MS) return;
    lastCheck.current = now;
    void queryClient.invalidateQueries({ queryKey: queryKeys.auth.session() });
  }, [left, now, queryClient]);

  return left;
}
