import { useId } from 'react';
import { Link } from 'react-router';
import { type LinkFailure, linkFailureCopy } from '../link-outcome.ts';

/** Expired, used, withdrawn or forged: what happened, and the way in that still works. */
export function LinkFailureNotice({ failure }: { failure: LinkFailure }) {
  const titleId = useId();
  const { title, detail } = linkFailureCopy[failure];
  return (
    <div role="alert" aria-labelledby={titleId} className="alert alert--error link-failure">
      <h2 id={titleId}>{title}</h2>
      <p>{detail}</p>
      <p>
        <Link to="/sign-in">Sign in with your password</Link>
      </p>
    </div>
  );
}
