import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';

/** Last resort for a page that failed to render or load (e.g. a chunk from an older build). */
export function RouteError() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';

  return (
    <PlainLayout>
      <div className="card card--auth">
        <h1>Something went wrong</h1>
        <div role="alert" className="alert alert--error">
          {detail}
        </div>
        <p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>{' '}
          or <Link to="/">go to the dashboard</Link>.
        </p>
      </div>
    </PlainLayout>
  );
}
