import { useSearchParams } from 'react-router';
import { OutboxFilterForm } from '../../features/outbox/components/outbox-filter-form.tsx';
import { OutboxTable } from '../../features/outbox/components/outbox-table.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminOutboxRoute() {
  useDocumentTitle('Outbox');
  const session = useSignedInSession();
  // The filter lives in the address, so it survives a reload and the back button.
  const [params, setParams] = useSearchParams();
  const to = params.get('to') ?? '';
  const canRead = session.permissions.includes('outbox:read');

  return (
    <div className="page">
      <div className="page-header">
        <h1>Outbox</h1>
        <p className="page-subtitle">Mail the portal has sent, newest first</p>
      </div>
      <section className="card">
        {canRead ? (
          <>
            <p className="muted">
              Mail is kept here because no SMTP server is configured. Links are removed: a sign-in
              link works only for the person it was sent to. Messages are removed after a day.
            </p>
            <OutboxFilterForm to={to} onFilter={(next) => setParams(next ? { to: next } : {})} />
            <div className="section--spaced">
              <OutboxTable to={to} />
            </div>
          </>
        ) : (
          <p className="empty">You do not have access to the outbox.</p>
        )}
      </section>
    </div>
  );
}
