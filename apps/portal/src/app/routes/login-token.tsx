import { useLayoutEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useLoginTokenPreview } from '../../features/login-links/api/preview-login-token.ts';
import { useRedeemLoginToken } from '../../features/login-links/api/redeem-login-token.ts';
import { LinkLanding } from '../../features/login-links/components/link-landing.tsx';
import { parseLoginToken } from '../../features/login-links/link-outcome.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { PlainPage } from './plain-page.tsx';

/** `/login?token=…`: says whose account (or a guest's) the token opens; Continue signs in. */
export function LoginTokenRoute() {
  useDocumentTitle('Sign in with a login token');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  // Read once into memory. The address bar loses the secret before the first paint (so it is
  // neither shown, bookmarked nor kept in history), and the router is never told about it.
  const [token] = useState(() => parseLoginToken(params.get('token')));
  useLayoutEffect(() => {
    window.history.replaceState(null, '', '/login');
  }, []);
  const redeem = useRedeemLoginToken();
  const preview = useLoginTokenPreview(token, redeem.isIdle);

  function handleContinue() {
    if (!token) return;
    redeem.mutateAsync(token).then(
      ({ session }) => navigate(session.needsProfile ? '/select-profile' : '/', { replace: true }),
      // Shown on the page from the mutation's state.
      () => undefined,
    );
  }

  return (
    <PlainPage>
      <div className="card card--auth">
        <h1>Sign in with a login token</h1>
        <LinkLanding preview={token ? preview : null} redeem={redeem} onContinue={handleContinue} />
      </div>
    </PlainPage>
  );
}
