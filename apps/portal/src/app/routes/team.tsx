import { TeamPermissionsTable } from '../../features/team/components/team-permissions-table.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function TeamRoute() {
  useDocumentTitle('Team permissions');
  const session = useSignedInSession();
  const canRead = session.permissions.includes('team:read');
  const canManage = session.permissions.includes('team:manage');

  return (
    <div className="page">
      <div className="page-header">
        <h1>Team permissions</h1>
        {session.activeProfile ? (
          <p className="page-subtitle">{session.activeProfile.organization.name}</p>
        ) : null}
      </div>
      <section className="card">
        {canRead ? (
          <>
            <p className="muted">
              {canManage
                ? 'Tick a box to grant a permission, clear it to take it away. Greyed-out boxes are locked: your own row, an owner’s row (unless you are an owner), and permissions you do not hold yourself. Each locked box says why.'
                : 'You can see your team but not change its permissions.'}
            </p>
            <TeamPermissionsTable
              viewer={{
                role: session.activeProfile?.role ?? null,
                permissions: session.permissions,
              }}
            />
          </>
        ) : (
          <p className="empty">You do not have access to your team's permissions.</p>
        )}
      </section>
    </div>
  );
}
