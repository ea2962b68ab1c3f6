import { useLayoutEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useOneClickPreview } from '../../features/login-links/api/preview-one-click.ts';
import { useRedeemOneClick } from '../../features/login-links/api/redeem-one-click.ts';
import { LinkLanding } from '../../features/login-links/components/link-landing.tsx';
import { parseOneClickLink } from '../../lib/one-click-link.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { PlainPage } from './plain-page.tsx';

/** `/one-click/:userId/:hash`: says whose account the link opens; only Continue redeems it. */
export function OneClickRoute() {
  useDocumentTitle('Sign in with a one-click link');
  const params = useParams();
  const navigate = useNavigate();
  // Read once into memory. The address bar loses the secret before the first paint (so it is
  // neither shown, bookmarked nor kept in history), and the router is never told about it.
  const [link] = useState(() => parseOneClickLink(params.userId, params.hash));
  useLayoutEffect(() => {
    window.history.replaceState(null, '', '/one-click');
  }, []);
  const redeem = useRedeemOneClick();
  const preview = useOneClickPreview(link, redeem.isIdle);

  function handleContinue() {
    if (!link) return;
    redeem.mutateAsync(link).then(
      ({ session }) => navigate(session.needsProfile ? '/select-profile' : '/', { replace: true }),
      // Shown on the page from the mutation's state.
      () => undefined,
    );
  }

  return (
    <PlainPage>
      <div className="card card--auth">
        <h1>Sign in with a one-click link</h1>
        <LinkLanding
          preview={link ? preview : null}
          redeem={redeem}
          onContinue={handleContinue}
          linkUserId={link?.userId}
        />
      </div>
    </PlainPage>
  );
}
