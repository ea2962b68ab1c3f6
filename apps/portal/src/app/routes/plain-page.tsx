import type { ReactNode } from 'react';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { ImpersonationBanner } from '../../features/impersonation/components/impersonation-banner.tsx';
import { useSession } from '../../lib/auth/session.ts';

/**
 * A page outside the signed-in layout that one may reach while an impersonation runs (a page
 * not found, a sign-in link's, sign-in itself): the banner and Leave Impersonation there too,
 * as on every page (SPEC §4; a review found them missing, a link's page saying "Leave the
 * impersonation first." with no way to).
 */
export function PlainPage({ children }: { children: ReactNode }) {
  const session = useSession().data;
  const banner = session?.actor ? (
    <ImpersonationBanner session={session} actor={session.actor} />
  ) : null;
  return <PlainLayout banner={banner}>{children}</PlainLayout>;
}
