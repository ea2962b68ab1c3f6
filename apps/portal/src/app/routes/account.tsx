import type { ReactNode } from 'react';
import { SearchForm } from '../../components/ui/search-form.tsx';
import { AccessHistoryTable } from '../../features/account/components/access-history-table.tsx';
import { ChangePasswordForm } from '../../features/account/components/change-password-form.tsx';
import { CredentialsTable } from '../../features/account/components/credentials-table.tsx';
import { TeamAdminsPreference } from '../../features/account/components/team-admins-preference.tsx';
import { isCredentialHolder } from '../../features/account/credential-labels.ts';
import { SessionsTable } from '../../features/auth/components/sessions-table.tsx';
import { actingForSomeone } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSearchParam } from '../../lib/use-search-param.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AccountRoute() {
  useDocumentTitle('Account');
  const session = useSignedInSession();
  const profile = session.activeProfile;
  // In the address as `sessions`: the page's other lists are not searched.
  const [sessionSearch, setSessionSearch] = useSearchParam('sessions');
  // In the address as `credentials`: whose hands the listed credentials are in.
  const [held, setHeld] = useSearchParam('credentials');
  const heldBy = isCredentialHolder(held) ? held : undefined;
  // Acting as someone else, or signed in by an integration: the person's sessions, password,
  // opt-out, access history and credentials are theirs alone, to handle in a session of their
  // own. The server refuses them, so the page does not even ask.
  const restricted = actingForSomeone(session);
  const guarded = (content: ReactNode) =>
    restricted ? <p className="empty">{restricted}</p> : content;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Account</h1>
      </div>
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Your details</h2>
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd>{session.user?.name ?? 'Guest'}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{session.user?.email ?? '—'}</dd>
          </div>
          {profile ? (
            <div>
              <dt>Active profile</dt>
              <dd>
                {profile.organization.name} — {profile.type} · {profile.role}
              </dd>
            </div>
          ) : null}
        </dl>
      </section>
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        {guarded(
          <>
            <p className="muted">
              Everywhere you are signed in. Revoke a session you do not recognise; to end this one,
              use Sign out.
            </p>
            <SearchForm
              label="Search sessions"
              placeholder="Device, IP address, organization or name"
              search={sessionSearch}
              onSearch={setSessionSearch}
            />
            <SessionsTable search={sessionSearch} />
          </>,
        )}
      </section>
      {session.user ? (
        <section className="card" aria-labelledby="access-history-heading">
          <h2 id="access-history-heading">Access history</h2>
          {guarded(
            <>
              <p className="muted">
                Everyone who signed in as you — support staff and team admins — with when, why and
                for how long, and every integration given a way to sign you in.
              </p>
              <AccessHistoryTable />
            </>,
          )}
        </section>
      ) : null}
      {session.user?.kind === 'customer' ? (
        <section className="card" aria-labelledby="credentials-heading">
          <h2 id="credentials-heading">Sign-in links and tokens made for you</h2>
          {guarded(
            <>
              <p className="muted">
                Links and login tokens that sign in as you without your password and still work: who
                made them, for whom and why. Revoke any you do not expect.
              </p>
              <CredentialsTable heldBy={heldBy} onHeldBy={(next) => setHeld(next ?? '')} />
            </>,
          )}
        </section>
      ) : null}
      {session.user?.kind === 'customer' && profile ? (
        <section className="card" aria-labelledby="team-admins-heading">
          <h2 id="team-admins-heading">Team admins</h2>
          {guarded(<TeamAdminsPreference />)}
        </section>
      ) : null}
      {session.user ? (
        <section className="card" aria-labelledby="password-heading">
          <h2 id="password-heading">Password</h2>
          {guarded(<ChangePasswordForm />)}
        </section>
      ) : null}
    </div>
  );
}
