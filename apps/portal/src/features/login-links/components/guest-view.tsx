import { Link } from 'react-router';
import { useDocumentTitle } from '../../../lib/use-document-title.ts';

/**
 * The dashboard of a guest, signed in with an anonymous login token: a session with no
 * user, no profile and no permissions, so nothing of any customer can be shown.
 */
export function GuestWelcome() {
  useDocumentTitle('Welcome');
  return (
    <div className="page">
      <div className="page-header">
        <h1>Welcome, guest</h1>
      </div>
      <section className="card" aria-labelledby="guest-heading">
        <h2 id="guest-heading">Guest access</h2>
        <p>You are signed in as a guest. Nothing here belongs to a customer account.</p>
        <p className="muted">
          Use Sign out when you are done. To see your own orders and invoices, sign in with your
          account instead.
        </p>
      </section>
    </div>
  );
}

/** Any page but the dashboard, for a guest: it would only show someone's data, or fail. */
export function NotForGuests() {
  useDocumentTitle('Not available');
  return (
    <div className="page">
      <div className="page-header">
        <h1>Not available</h1>
      </div>
      <section className="card">
        <p className="empty">This page is not available for guests.</p>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </section>
    </div>
  );
}
