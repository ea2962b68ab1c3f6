import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { useSession } from '../../features/auth/api/get-session.ts';
import { SignInForm } from '../../features/auth/components/sign-in-form.tsx';
import { safeNext } from '../../lib/safe-next.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';

export function SignInRoute() {
  useDocumentTitle('Sign in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const session = useSession();

  const destination = (needsProfile: boolean) => (needsProfile ? '/select-profile' : next);

  // Someone already signed in has nothing to do here.
  if (session.data) return <Navigate to={destination(session.data.needsProfile)} replace />;

  let notice: string | null = null;
  if (params.get('reason') === 'expired') notice = 'Your session has ended. Sign in again.';
  else if (params.has('signedOut')) notice = 'You have signed out.';

  return (
    <PlainLayout>
      <div className="card card--auth">
        <h1>Sign in</h1>
        <p className="muted">Use your work email to reach your organization's portal.</p>
        {notice ? (
          <p role="status" className="alert alert--info">
            {notice}
          </p>
        ) : null}
        <SignInForm
          onSignedIn={({ needsProfile }) => navigate(destination(needsProfile), { replace: true })}
        />
      </div>
    </PlainLayout>
  );
}
