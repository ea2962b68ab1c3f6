import type { AdminUser } from '@onbehalf/contracts/users';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { OperatorImpersonationDialog } from '../../features/impersonation/components/operator-impersonation-dialog.tsx';
import { EmailSignInLinkDialog } from '../../features/login-links/components/email-sign-in-link-dialog.tsx';
import { OneClickLinkDialog } from '../../features/login-links/components/one-click-link-dialog.tsx';
import { mayCreateLinks } from '../../features/login-links/may-create-links.ts';
import { UsersSearchForm } from '../../features/users/components/users-search-form.tsx';
import { UsersTable } from '../../features/users/components/users-table.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminUsersRoute() {
  useDocumentTitle('Users');
  const session = useSignedInSession();
  // The search lives in the address, so it survives a reload and the back button.
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const [impersonating, setImpersonating] = useState<AdminUser | null>(null);
  const [linkFor, setLinkFor] = useState<AdminUser | null>(null);
  const [emailLinkFor, setEmailLinkFor] = useState<AdminUser | null>(null);
  const canRead = session.permissions.includes('users:read');
  // Links sign in without a password, so they are for customers only (never operators).
  const canCreateLinks = mayCreateLinks(session);
  const linkButtons = (user: AdminUser) =>
    user.kind === 'customer' ? (
      <>
        <button
          type="button"
          className="button button--small"
          aria-label={`Create one-click link for ${user.name}`}
          disabled={user.status !== 'active'}
          onClick={() => setLinkFor(user)}
        >
          One-click link
        </button>
        <button
          type="button"
          className="button button--small"
          aria-label={`Email sign-in link to ${user.name}`}
          disabled={user.status !== 'active'}
          onClick={() => setEmailLinkFor(user)}
        >
          Email sign-in link
        </button>
      </>
    ) : null;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Users</h1>
        <p className="page-subtitle">Customers, contacts and operators</p>
      </div>
      <section className="card">
        {canRead ? (
          <>
            <UsersSearchForm
              search={search}
              onSearch={(next) => setParams(next ? { q: next } : {})}
            />
            <UsersTable
              search={search}
              onImpersonate={setImpersonating}
              extraActions={canCreateLinks ? linkButtons : undefined}
            />
          </>
        ) : (
          <p className="empty">You do not have access to users.</p>
        )}
      </section>
      {impersonating ? (
        <OperatorImpersonationDialog user={impersonating} onClose={() => setImpersonating(null)} />
      ) : null}
      {linkFor ? <OneClickLinkDialog user={linkFor} onClose={() => setLinkFor(null)} /> : null}
      {emailLinkFor ? (
        <EmailSignInLinkDialog user={emailLinkFor} onClose={() => setEmailLinkFor(null)} />
      ) : null}
    </div>
  );
}
