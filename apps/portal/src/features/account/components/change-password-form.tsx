import { type FormEvent, useId, useRef, useState } from 'react';
import { useChangePassword } from '../api/change-password.ts';

const MIN_LENGTH = 12;

export function ChangePasswordForm() {
  const currentId = useId();
  const nextId = useId();
  const hintId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const change = useChangePassword();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const form = new FormData(event.currentTarget);
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    if (!currentPassword) {
      setInvalid('Enter your current password.');
      return;
    }
    if (newPassword.length < MIN_LENGTH) {
      setInvalid(`Use at least ${MIN_LENGTH} characters for the new password.`);
      nextRef.current?.focus();
      return;
    }
    setInvalid(null);
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          formRef.current?.reset();
          setDone('Password changed. Your other sessions were signed out.');
        },
      },
    );
  }

  // The checks above catch what the field rules would; the server's message says the rest
  // (e.g. a wrong current password) in full, so its per-field issues would only repeat it.
  const error = invalid ?? (change.isError ? change.error.message : null);

  return (
    <form ref={formRef} className="form form--narrow" noValidate onSubmit={handleSubmit}>
      <div className="field">
        <label htmlFor={currentId}>Current password</label>
        <input
          id={currentId}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          maxLength={1024}
        />
      </div>
      <div className="field">
        <label htmlFor={nextId}>New password</label>
        <input
          ref={nextRef}
          id={nextId}
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_LENGTH}
          maxLength={1024}
          aria-describedby={hintId}
        />
        <span id={hintId} className="hint">
          At least {MIN_LENGTH} characters. Your other sessions will be signed out.
        </span>
      </div>
      <div>
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          Change password
        </button>
      </div>
      <p role="status" className="form-status">
        {done}
      </p>
      {error ? (
        <div role="alert" className="alert alert--error">
          {error}
        </div>
      ) : null}
    </form>
  );
}
