import type { AdminUser } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useRef, useState } from 'react';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useEmailOneClickLink } from '../api/email-one-click-link.ts';

/** The longest a link may be asked to live; the global settings may allow less. */
const MAX_MINUTES = 24 * 60;

interface EmailSignInLinkDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'email'>;
  onClose: () => void;
}

/**
 * Admin › Users: email a customer a single-use sign-in link. The operator never sees the
 * link (SPEC §4b: delivered); the customer's email says who sent it and why.
 */
export function EmailSignInLinkDialog({ user, onClose }: EmailSignInLinkDialogProps) {
  const minutesId = useId();
  const hintId = useId();
  const minutesRef = useRef<HTMLInputElement>(null);
  // Empty until the operator chooses: then the server applies the default from the settings.
  const [minutes, setMinutes] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const reason = useRequiredReason();
  const send = useEmailOneClickLink();
  const title = `Email a sign-in link to ${user.name}`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (!why) return;
    // A number field reports text it cannot read ("1e") as empty: that is not "use the default".
    const unreadable = minutesRef.current?.validity.badInput ?? false;
    const chosen = minutes.trim();
    const value = Number(chosen);
    if (unreadable || (chosen && (!Number.isInteger(value) || value < 1 || value > MAX_MINUTES))) {
      setInvalid('Choose a whole number of minutes, at least 1.');
      minutesRef.current?.focus();
      return;
    }
    setInvalid(null);
    send.mutate({ userId: user.id, reason: why, expiresInMinutes: chosen ? value : undefined });
  }

  if (send.isSuccess) {
    return (
      <ModalDialog title={title} onClose={onClose}>
        <div className="form">
          <p role="status" className="alert alert--success">
            Sign-in link sent to {send.data.sentTo}. It expires at{' '}
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

  const error = invalid ?? (send.isError ? send.error.message : null);

  return (
    <ModalDialog title={title} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        <p className="muted">
          {user.name} gets a link at {user.email} that signs them in once, without a password. You
          do not see the link.
        </p>
        {error ? (
          <div role="alert" className="alert alert--error">
            {error}
          </div>
        ) : null}
        <RequiredReasonField reason={reason} hint="The email names you and gives your reason." />
        <div className="field field--narrow">
          <label htmlFor={minutesId}>Valid for (minutes)</label>
          <input
            ref={minutesRef}
            id={minutesId}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_MINUTES}
            step={1}
            placeholder="Default"
            aria-describedby={hintId}
            aria-invalid={invalid ? true : undefined}
            value={minutes}
            onChange={(event) => setMinutes(event.target.value)}
          />
          <span id={hintId} className="hint">
            Leave empty for the default lifetime. The global settings set both the default and the
            longest a link may live.
          </span>
        </div>
        <DialogFormActions
          submitLabel="Send link"
          pending={send.isPending}
          pendingLabel="Sending…"
          onCancel={onClose}
        />
      </form>
    </ModalDialog>
  );
}
