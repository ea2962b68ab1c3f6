import { SessionsTable } from '../../features/auth/components/sessions-table.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AccountRoute() {
  useDocumentTitle('Account');
  const session = useSignedInSession();
  const profile = session.activeProfile;

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
        <p className="muted">
          Everywhere you are signed in. Revoke a session you do not recognise; to end this one, use
          Sign out.
        </p>
        <SessionsTable />
      </section>
    </div>
  );
}
