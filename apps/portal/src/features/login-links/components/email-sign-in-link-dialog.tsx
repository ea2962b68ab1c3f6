import type { AdminUser } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useRef, useState } from 'react';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useEmailSignInLink } from '../api/email-sign-in-link.ts';

const MIN_REASON = 3;

interface EmailSignInLinkDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'email'>;
  onClose: () => void;
}

/**
 * Admin › Users: email a customer a single-use sign-in link. The operator never sees the
 * link; the customer's email says who sent it and why.
 */
export function EmailSignInLinkDialog({ user, onClose }: EmailSignInLinkDialogProps) {
  const reasonId = useId();
  const noteId = useId();
  const reasonErrorId = useId();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const send = useEmailSignInLink();
  const title = `Email a sign-in link to ${user.name}`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The server insists too; saying so here spares a round trip and keeps the text.
    if (reason.trim().length < MIN_REASON) {
      setReasonError(`Give a reason of at least ${MIN_REASON} characters.`);
      reasonRef.current?.focus();
      return;
    }
    setReasonError(null);
    send.mutate({ userId: user.id, reason: reason.trim() });
  }

  if (send.isSuccess) {
    return (
      <ModalDialog title={title} onClose={onClose}>
        <div className="form">
          <p role="status" className="alert alert--success">
            Sign-in link sent to {user.email}. It expires at{' '}
            <time dateTime={send.data.expiresAt}>{formatDateTime(send.data.expiresAt)}</time>.
          </p>
          <div className="dialog__actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </ModalDialog>
    );
  }

  const describedBy = reasonError ? `${reasonErrorId} ${noteId}` : noteId;

  return (
    <ModalDialog title={title} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        <p className="muted">
          {user.name} gets a link at {user.email} that signs them in once, without a password.
        </p>
        {send.isError ? (
          <div role="alert" className="alert alert--error">
            {send.error.message}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={reasonId}>Reason</label>
          <textarea
            ref={reasonRef}
            id={reasonId}
            rows={3}
            maxLength={500}
            required
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={describedBy}
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
              if (event.target.value.trim().length >= MIN_REASON) setReasonError(null);
            }}
          />
          <span id={noteId} className="hint">
            The email names you and gives your reason.
          </span>
          {reasonError ? (
            <p id={reasonErrorId} role="alert" className="field__error">
              {reasonError}
            </p>
          ) : null}
        </div>
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" disabled={send.isPending}>
            Send link
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {send.isPending ? (
          <p role="status" className="loading">
            Sending…
          </p>
        ) : null}
      </form>
    </ModalDialog>
  );
}
