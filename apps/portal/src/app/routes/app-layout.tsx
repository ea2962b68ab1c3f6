import type { Session } from '@onbehalf/contracts/auth';
import { Outlet, useNavigate, useOutletContext } from 'react-router';
import { AppShell, type NavItem } from '../../components/layouts/app-shell.tsx';
import { RequireSession } from '../../features/auth/components/require-session.tsx';
import { SignOutButton } from '../../features/auth/components/sign-out-button.tsx';
import { ProfileSwitcher } from '../../features/profiles/components/profile-switcher.tsx';

/** The layout for every signed-in page: it requires a session and hands it to the page. */
export function AppLayoutRoute() {
  return <RequireSession>{(session) => <SignedInShell session={session} />}</RequireSession>;
}

function SignedInShell({ session }: { session: Session }) {
  const navigate = useNavigate();
  const navItems: NavItem[] = [
    { to: '/', label: 'Dashboard' },
    ...(session.permissions.includes('team:read') ? [{ to: '/team', label: 'Team' }] : []),
    { to: '/account', label: 'Account' },
  ];
  const profile = session.activeProfile;
  const userDetail = profile
    ? profile.organization.name
    : session.user?.kind === 'operator'
      ? `Operator${session.user.operatorRole ? ` · ${session.user.operatorRole}` : ''}`
      : undefined;

  return (
    <AppShell
      userName={session.user?.name ?? 'Guest'}
      userDetail={userDetail}
      navItems={navItems}
      actions={
        <>
          {session.user?.kind === 'customer' ? (
            <ProfileSwitcher
              activeProfileId={profile?.Id ?? null}
              onSwitched={() => navigate('/', { replace: true })}
            />
          ) : null}
          <SignOutButton onSignedOut={() => navigate('/sign-in?signedOut=1', { replace: true })} />
        </>
      }
    >
      <Outlet context={session satisfies Session} />
    </AppShell>
  );
}

/** The signed-in session, for pages rendered inside the layout. */
export function useSignedInSession(): Session {
  return useOutletContext<Session>();
}
