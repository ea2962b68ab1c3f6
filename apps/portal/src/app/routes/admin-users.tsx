import type { AdminUser } from '@onbehalf/contracts/users';
import { useState } from 'react';
import { SearchForm } from '../../components/ui/search-form.tsx';
import { OperatorImpersonationDialog } from '../../features/impersonation/components/operator-impersonation-dialog.tsx';
import { EmailSignInLinkDialog } from '../../features/login-links/components/email-sign-in-link-dialog.tsx';
import { mayCreateLinks } from '../../features/login-links/may-create-links.ts';
import { ChangeAccessDialog } from '../../features/users/components/change-access-dialog.tsx';
import { ProfileRoleDialog } from '../../features/users/components/profile-role-dialog.tsx';
import { UsersTable } from '../../features/users/components/users-table.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSearchParam } from '../../lib/use-search-param.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminUsersRoute() {
  useDocumentTitle('Users');
  const session = useSignedInSession();
  // The search lives in the address, so it survives a reload and the back button.
  const [search, setSearch] = useSearchParam();
  const [signingInAs, setSigningInAs] = useState<AdminUser | null>(null);
  const [emailLinkFor, setEmailLinkFor] = useState<AdminUser | null>(null);
  const [changingAccessOf, setChangingAccessOf] = useState<AdminUser | null>(null);
  const [changingRole, setChangingRole] = useState<{
    user: AdminUser;
    profile: AdminUser['profiles'][number];
  } | null>(null);
  const canRead = session.permissions.includes('users:read');
  // A superadmin's acts (settings:manage): a person's access, never their own (the server
  // refuses both), and a profile's role.
  const canChangeAccess = session.permissions.includes('settings:manage') && !session.actor;
  // Links sign in without a password, so they are for customers only (never operators). A
  // link is always emailed to its customer: no operator is shown one that signs someone in.
  // "Sign in as…" a customer goes through a link handed over to themselves, for those who may
  // make links (SPEC §4b); anyone else, or towards an operator, through the operator door.
  const canCreateLinks = mayCreateLinks(session);
  const linkButtons = (user: AdminUser) =>
    user.kind === 'customer' ? (
      <button
        type="button"
        className="button button--small"
        aria-label={`Email a sign-in link to ${user.name}`}
        disabled={user.status !== 'active'}
        onClick={() => setEmailLinkFor(user)}
      >
        Email a sign-in link
      </button>
    ) : null;
  const accessButton = (user: AdminUser) =>
    user.id === session.user?.id ? null : (
      <button
        type="button"
        className="button button--small"
        aria-label={`Change access for ${user.name}`}
        onClick={() => setChangingAccessOf(user)}
      >
        Change access…
      </button>
    );
  const extraActions =
    canCreateLinks || canChangeAccess
      ? (user: AdminUser) => (
          <>
            {canCreateLinks ? linkButtons(user) : null}
            {canChangeAccess ? accessButton(user) : null}
          </>
        )
      : undefined;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Users</h1>
        <p className="page-subtitle">Customers, contacts and operators</p>
      </div>
      <section className="card">
        {canRead ? (
          <>
            <SearchForm
              label="Search users"
              placeholder="Name, email or organization"
              search={search}
              onSearch={setSearch}
            />
            <UsersTable
              search={search}
              onSignInAs={setSigningInAs}
              extraActions={extraActions}
              onChangeRole={
                canChangeAccess ? (user, profile) => setChangingRole({ user, profile }) : undefined
              }
            />
          </>
        ) : (
          <p className="empty">You do not have access to users.</p>
        )}
      </section>
      {signingInAs ? (
        <OperatorImpersonationDialog
          user={signingInAs}
          handover={canCreateLinks && signingInAs.kind === 'customer'}
          onClose={() => setSigningInAs(null)}
        />
      ) : null}
      {changingAccessOf ? (
        <ChangeAccessDialog user={changingAccessOf} onClose={() => setChangingAccessOf(null)} />
      ) : null}
      {changingRole ? (
        <ProfileRoleDialog
          user={changingRole.user}
          profile={changingRole.profile}
          onClose={() => setChangingRole(null)}
        />
      ) : null}
      {emailLinkFor ? (
        <EmailSignInLinkDialog user={emailLinkFor} onClose={() => setEmailLinkFor(null)} />
      ) : null}
    </div>
  );
}
