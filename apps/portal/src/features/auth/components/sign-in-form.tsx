import type { Session } from '@onbehalf/contracts/auth';
import { type FormEvent, useId } from 'react';
import { useSignIn } from '../api/sign-in.ts';

interface SignInFormProps {
  onSignedIn: (session: Session) => void;
}

export function SignInForm({ onSignedIn }: SignInFormProps) {
  const signIn = useSignIn();
  const emailId = useId();
  const passwordId = useId();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    signIn.mutate(
      { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') },
      { onSuccess: ({ session }) => onSignedIn(session) },
    );
  }

  return (
    <form className="form" onSubmit={handleSubmit}>
      {signIn.isError ? (
        <div role="alert" className="alert alert--error">
          {signIn.error.message}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={emailId}>Email</label>
        <input
          id={emailId}
          name="email"
          type="email"
          autoComplete="username"
          required
          maxLength={254}
        />
      </div>
      <div className="field">
        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
        />
      </div>
      <button
        type="submit"
        className="button button--primary button--block"
        disabled={signIn.isPending}
      >
        Sign in
      </button>
    </form>
  );
}
