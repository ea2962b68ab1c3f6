import type { Session } from '@onbehalf/contracts/auth';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { FullPageStatus } from '../../components/ui/status.tsx';
import { SignInForm } from '../../features/auth/components/sign-in-form.tsx';
import { EmailLinkForm } from '../../features/login-links/components/email-link-form.tsx';
import { profilesQueryOptions } from '../../lib/auth/own-profiles.ts';
import { useSession } from '../../lib/auth/session.ts';
import { actingForSomeone } from '../../lib/restrictions.ts';
import { profileChoiceFor, safeNext } from '../../lib/safe-next.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { PlainPage } from './plain-page.tsx';

/**
 * A customer in a session of their own (nobody acting as them, no integration's) may have
 * coworkers to sign in as: ask before leaving.
 */
const mayHaveCoworkers = (session: Session | null | undefined) =>
  Boolean(
    session &&
      !session.needsProfile &&
      !actingForSomeone(session) &&
      session.user?.kind === 'customer',
  );

/**
 * Where a signed-in person goes from here: the profile choice when there is one to make, which
 * then takes them on to where they were going.
 */
function destination(session: Session, coworkers: boolean, next: string): string {
  return session.needsProfile || coworkers ? profileChoiceFor(next) : next;
}

export function SignInRoute() {
  useDocumentTitle('Sign in');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const session = useSession();
  const checkCoworkers = mayHaveCoworkers(session.data);
  const profiles = useQuery({ ...profilesQueryOptions(), enabled: checkCoworkers });

  // Already signed in: on to the profile choice when there is one to make — several own
  // profiles, or coworkers a team admin may sign in as — else where they were going.
  if (session.data) {
    if (checkCoworkers && profiles.isPending) return <FullPageStatus label="Signing you in…" />;
    const hasCoworkers = profiles.data?.some((p) => !p.IsOwn) ?? false;
    return <Navigate to={destination(session.data, hasCoworkers, next)} replace />;
  }

  // Just signed in with the form: the same choice, from the new session and its profiles.
  async function handleSignedIn(signedIn: Session) {
    let hasCoworkers = false;
    if (mayHaveCoworkers(signedIn)) {
      const list = await queryClient.fetchQuery(profilesQueryOptions()).catch(() => []);
      hasCoworkers = list.some((p) => !p.IsOwn);
    }
    await navigate(destination(signedIn, hasCoworkers, next), { replace: true });
  }

  let notice: string | null = null;
  if (params.get('reason') === 'expired') notice = 'Your session has ended. Sign in again.';
  else if (params.has('signedOut')) notice = 'You have signed out.';

  return (
    <PlainPage>
      <div className="card card--auth">
        <h1>Sign in</h1>
        <p className="muted">Use your work email to reach your organization's portal.</p>
        {notice ? (
          <p role="status" className="alert alert--info">
            {notice}
          </p>
        ) : null}
        <SignInForm onSignedIn={(signedIn) => void handleSignedIn(signedIn)} />
        <EmailLinkForm />
      </div>
    </PlainPage>
  );
}
