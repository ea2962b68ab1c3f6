import type { Session } from '@onbehalf/contracts/auth';
import { Link } from 'react-router';
import { GuestWelcome } from '../../features/login-links/components/guest-view.tsx';
import { InvoicesTable } from '../../features/orders/components/invoices-table.tsx';
import { OrdersTable } from '../../features/orders/components/orders-table.tsx';
import { PlaceOrderForm } from '../../features/orders/components/place-order-form.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSignedInSession } from './app-layout.tsx';

export function DashboardRoute() {
  const session = useSignedInSession();
  // An anonymous login token: no user, so nothing of any customer's.
  if (!session.user) return <GuestWelcome />;
  return session.user.kind === 'operator' ? (
    <Backoffice session={session} />
  ) : (
    <CustomerDashboard session={session} />
  );
}

function Backoffice({ session }: { session: Session }) {
  useDocumentTitle('Backoffice');
  return (
    <div className="page">
      <div className="page-header">
        <h1>Backoffice</h1>
        <p className="page-subtitle">
          Signed in as an operator ({session.user?.operatorRole ?? 'no role'}).
        </p>
      </div>
      {session.permissions.includes('users:read') ? (
        <section className="card" aria-labelledby="users-heading">
          <h2 id="users-heading">Users</h2>
          <p className="muted">
            Find someone by name or email and sign in as them, with a reason, to see what they see.
          </p>
          <p>
            {/* Not named "Users": the Main nav's link is, and one name should mean one link. */}
            <Link to="/admin/users">Search customers and operators</Link>
          </p>
        </section>
      ) : null}
    </div>
  );
}

function CustomerDashboard({ session }: { session: Session }) {
  useDocumentTitle('Dashboard');
  const can = (permission: Session['permissions'][number]) =>
    session.permissions.includes(permission);
  const profile = session.activeProfile;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Dashboard</h1>
        <p className="page-subtitle">{profile ? profile.organization.name : 'No active profile'}</p>
      </div>

      <section className="card" aria-labelledby="orders-heading">
        <h2 id="orders-heading">Orders</h2>
        {can('orders:read') ? (
          <OrdersTable labelledBy="orders-heading" />
        ) : (
          <p className="empty">You do not have access to orders.</p>
        )}
      </section>

      {can('orders:create') ? (
        <section className="card" aria-labelledby="place-order-heading">
          <h2 id="place-order-heading">Place an order</h2>
          <PlaceOrderForm />
        </section>
      ) : null}

      <section className="card" aria-labelledby="invoices-heading">
        <h2 id="invoices-heading">Invoices</h2>
        {can('invoices:read') ? (
          <InvoicesTable labelledBy="invoices-heading" />
        ) : (
          <p className="empty">You do not have access to invoices.</p>
        )}
      </section>
    </div>
  );
}
