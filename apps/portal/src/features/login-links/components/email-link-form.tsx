import { isApiError } from '@onbehalf/api-client/api-error';
import { type FormEvent, useId } from 'react';
import { useRequestEmailLink } from '../api/request-email-link.ts';
import { tryAgainMessage } from '../try-again.ts';

function failureMessage(error: Error): string {
  return isApiError(error, 'rate_limited')
    ? tryAgainMessage(error.retryAfterSeconds)
    : error.message;
}

/** Sign-in page: a link by email instead of the password. Says the same for every address. */
export function EmailLinkForm() {
  const emailId = useId();
  const request = useRequestEmailLink();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email') ?? '').trim();
    request.mutate(email);
  }

  return (
    // No accessible name on the section: "…without a password" would answer to a search for
    // the password field's label.
    <section className="section--spaced">
      <h2>Sign in without a password</h2>
      <p className="muted">We email you a link that signs you in once.</p>
      <form className="form" onSubmit={handleSubmit}>
        {request.isSuccess ? (
          <p role="status" className="alert alert--success">
            {request.data.message}
          </p>
        ) : null}
        {request.isError ? (
          <div role="alert" className="alert alert--error">
            {failureMessage(request.error)}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={emailId}>Email for a sign-in link</label>
          <input
            id={emailId}
            name="email"
            type="email"
            autoComplete="email"
            required
            maxLength={254}
          />
        </div>
        <button type="submit" className="button button--block" disabled={request.isPending}>
          Email me a sign-in link
        </button>
      </form>
    </section>
  );
}
