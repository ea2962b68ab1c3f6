import { Link } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';

export function NotFoundRoute() {
  useDocumentTitle('Page not found');
  return (
    <PlainLayout>
      <div className="card card--auth">
        <h1>Page not found</h1>
        <p>There is no page at this address.</p>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </div>
    </PlainLayout>
  );
}
