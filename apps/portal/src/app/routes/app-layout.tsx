import type { Session } from '@onbehalf/contracts/auth';
import { Outlet, useLocation, useNavigate, useOutletContext } from 'react-router';
import { AppShell, type NavItem } from '../../components/layouts/app-shell.tsx';
import { RequireSession } from '../../features/auth/components/require-session.tsx';
import { SignOutButton } from '../../features/auth/components/sign-out-button.tsx';
import { ImpersonationBanner } from '../../features/impersonation/components/impersonation-banner.tsx';
import { NotForGuests } from '../../features/login-links/components/guest-view.tsx';
import { ProfileSwitcher } from '../../features/profiles/components/profile-switcher.tsx';
import { readNotice } from '../../lib/notice.ts';
import { actingForSomeone } from '../../lib/restrictions.ts';

/** The layout for every signed-in page: it requires a session and hands it to the page. */
export function AppLayoutRoute() {
  return <RequireSession>{(session) => <SignedInShell session={session} />}</RequireSession>;
}

function SignedInShell({ session }: { session: Session }) {
  const navigate = useNavigate();
  const location = useLocation();
  const notice = readNotice(location.state);
  const can = (permission: Session['permissions'][number]) =>
    session.permissions.includes(permission);
  const navItems: NavItem[] = [
    { to: '/', label: 'Dashboard' },
    ...(can('team:read') ? [{ to: '/team', label: 'Team' }] : []),
    ...(can('users:read') ? [{ to: '/admin/users', label: 'Users' }] : []),
    ...(can('login-tokens:manage') ? [{ to: '/admin/login-tokens', label: 'Login Tokens' }] : []),
    ...(can('api-keys:manage') ? [{ to: '/admin/api-keys', label: 'API Keys' }] : []),
    ...(can('audit:read') ? [{ to: '/admin/audit', label: 'Audit' }] : []),
    ...(can('outbox:read') ? [{ to: '/admin/outbox', label: 'Outbox' }] : []),
    ...(can('settings:manage') ? [{ to: '/admin/settings', label: 'Settings' }] : []),
    // A guest (anonymous login token) has no account: the dashboard is all there is.
    ...(session.user ? [{ to: '/account', label: 'Account' }] : []),
  ];
  const profile = session.activeProfile;
  const userDetail = profile
    ? profile.organization.name
    : session.user?.kind === 'operator'
      ? `Operator${session.user.operatorRole ? ` · ${session.user.operatorRole}` : ''}`
      : undefined;

  return (
    <AppShell
      banner={
        session.actor ? <ImpersonationBanner session={session} actor={session.actor} /> : null
      }
      userName={session.user?.name ?? 'Guest'}
      userDetail={userDetail}
      navItems={navItems}
      actions={
        <>
          {/* Switching profile is the person's own to do, not an actor's nor an integration's
              (pinned to the profile it was made for): the server refuses it. */}
          {session.user?.kind === 'customer' && !actingForSomeone(session) ? (
            <ProfileSwitcher
              activeProfileId={profile?.Id ?? null}
              onSwitched={() => navigate('/', { replace: true })}
            />
          ) : null}
          <SignOutButton onSignedOut={() => navigate('/sign-in?signedOut=1', { replace: true })} />
        </>
      }
    >
      {notice ? (
        <p role="status" className="alert alert--info page-notice">
          {notice}
        </p>
      ) : null}
      {!session.user && location.pathname !== '/' ? (
        <NotForGuests />
      ) : (
        <Outlet context={session satisfies Session} />
      )}
    </AppShell>
  );
}

/** The signed-in session, for pages rendered inside the layout. */
export function useSignedInSession(): Session {
  return useOutletContext<Session>();
}
