import { Link } from 'react-router';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { PlainPage } from './plain-page.tsx';

export function NotFoundRoute() {
  useDocumentTitle('Page not found');
  return (
    <PlainPage>
      <div className="card card--auth">
        <h1>Page not found</h1>
        <p>There is no page at this address.</p>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </div>
    </PlainPage>
  );
}
