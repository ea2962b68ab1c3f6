import { ApiKeysTable } from '../../features/api-keys/components/api-keys-table.tsx';
import { NewApiKeyForm } from '../../features/api-keys/components/new-api-key-form.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminApiKeysRoute() {
  useDocumentTitle('API Keys');
  const session = useSignedInSession();
  const canManage = session.permissions.includes('api-keys:manage');

  return (
    <div className="page">
      <div className="page-header">
        <h1>API Keys</h1>
        <p className="page-subtitle">For integrations that call the backoffice API</p>
      </div>
      {!canManage ? (
        <section className="card">
          <p className="empty">You do not have access to API keys.</p>
        </section>
      ) : (
        <>
          <section className="card" aria-labelledby="new-api-key-heading">
            <h2 id="new-api-key-heading">New API key</h2>
            {/* Superadmins only, and nobody can act as a superadmin: never while impersonating. */}
            <NewApiKeyForm />
          </section>
          <section className="card" aria-labelledby="api-keys-heading">
            <h2 id="api-keys-heading">Keys</h2>
            <ApiKeysTable />
          </section>
        </>
      )}
    </div>
  );
}
