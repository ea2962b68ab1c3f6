import type { TeamMember } from '@onbehalf/contracts/team';
import { useState } from 'react';
import { Link } from 'react-router';
import { SearchForm } from '../../components/ui/search-form.tsx';
import { TeamImpersonationDialog } from '../../features/impersonation/components/team-impersonation-dialog.tsx';
import { TeamPermissionsTable } from '../../features/team/components/team-permissions-table.tsx';
import { TeamSettingsForm } from '../../features/team/components/team-settings-form.tsx';
import { actingForSomeone } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSearchParam } from '../../lib/use-search-param.ts';
import { useSignedInSession } from './app-layout.tsx';

export function TeamRoute() {
  useDocumentTitle('Team permissions');
  const session = useSignedInSession();
  // The search lives in the address, so it survives a reload and the back button.
  const [search, setSearch] = useSearchParam();
  const [impersonating, setImpersonating] = useState<TeamMember | null>(null);
  const canRead = session.permissions.includes('team:read');
  const canManage = session.permissions.includes('team:manage');
  const canSettle = session.permissions.includes('team:settings');
  const restricted = actingForSomeone(session);

  return (
    <div className="page">
      <div className="page-header">
        <h1>Team permissions</h1>
        {session.activeProfile ? (
          <p className="page-subtitle">{session.activeProfile.organization.name}</p>
        ) : null}
        {canManage ? (
          <Link className="page-header__link" to="/team/audit">
            Team audit trail
          </Link>
        ) : null}
      </div>
      <section className="card">
        {canRead ? (
          <>
            <p className="muted">
              {session.actor
                ? 'You can see the team as they do. Changing permissions is not possible while you are signed in as someone else.'
                : canManage
                  ? 'Tick a box to grant a permission, clear it to take it away. Greyed-out boxes are locked: your own row, an owner’s row (unless you are an owner), permissions you do not hold yourself, and team rights, which only the owner grants. Each locked box says why.'
                  : 'You can see your team but not change its permissions.'}
            </p>
            <SearchForm
              label="Search team members"
              placeholder="Name or email"
              search={search}
              onSearch={setSearch}
            />
            <TeamPermissionsTable
              search={search}
              viewer={{
                role: session.activeProfile?.role ?? null,
                permissions: session.permissions,
                restricted,
              }}
              onImpersonate={setImpersonating}
            />
          </>
        ) : (
          <p className="empty">You do not have access to your team's permissions.</p>
        )}
      </section>
      {canSettle ? (
        <section className="card" aria-labelledby="team-settings-heading">
          <h2 id="team-settings-heading">Team settings</h2>
          {restricted ? (
            <p className="empty">{restricted}</p>
          ) : (
            <>
              <p className="muted">
                Whether team admins may sign in on behalf of members (to see what they see and help
                them), and for how long at most; members can opt out from their Account page.
                Whether members may email themselves a sign-in link, and whether integrations may
                sign them in.
              </p>
              <TeamSettingsForm />
            </>
          )}
        </section>
      ) : null}
      {impersonating ? (
        <TeamImpersonationDialog
          coworker={{ profileId: impersonating.profileId, name: impersonating.name }}
          onClose={() => setImpersonating(null)}
        />
      ) : null}
    </div>
  );
}
