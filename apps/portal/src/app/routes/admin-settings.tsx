import { SettingsForm } from '../../features/settings/components/settings-form.tsx';
import { notWhileImpersonating } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminSettingsRoute() {
  useDocumentTitle('Settings');
  const session = useSignedInSession();
  const canManage = session.permissions.includes('settings:manage');

  return (
    <div className="page">
      <div className="page-header">
        <h1>Settings</h1>
        <p className="page-subtitle">Switches and limits for the whole portal</p>
      </div>
      <section className="card">
        {!canManage ? (
          <p className="empty">You do not have access to the settings.</p>
        ) : session.actor ? (
          <p className="empty">{notWhileImpersonating}</p>
        ) : (
          <SettingsForm />
        )}
      </section>
    </div>
  );
}
