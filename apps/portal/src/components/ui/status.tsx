interface LoadingStatusProps {
  label: string;
}

/** Loading text for a list or page; announced politely by screen readers. */
export function LoadingStatus({ label }: LoadingStatusProps) {
  return (
    <p role="status" className="loading">
      {label}
    </p>
  );
}

interface ErrorAlertProps {
  title: string;
  error: unknown;
  onRetry?: () => void;
}

/** A failed load: what failed, the server's reason, and a way to try again. */
export function ErrorAlert({ title, error, onRetry }: ErrorAlertProps) {
  const reason = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <div role="alert" className="alert alert--error">
      <p>
        <strong>{title}</strong> {reason}
      </p>
      {onRetry ? (
        <button type="button" className="button button--small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Shown in place of a whole page while the session loads. */
export function FullPageStatus({ label }: LoadingStatusProps) {
  return (
    <main className="page-status">
      <LoadingStatus label={label} />
    </main>
  );
}
