import type { AdminUser } from '@onbehalf/contracts/users';
import type { FormEvent } from 'react';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useEmailSignInLink } from '../api/email-sign-in-link.ts';

interface EmailSignInLinkDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'email'>;
  onClose: () => void;
}

/**
 * Admin › Users: email a customer a single-use sign-in link. The operator never sees the
 * link; the customer's email says who sent it and why.
 */
export function EmailSignInLinkDialog({ user, onClose }: EmailSignInLinkDialogProps) {
  const reason = useRequiredReason();
  const send = useEmailSignInLink();
  const title = `Email a sign-in link to ${user.name}`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (why) send.mutate({ userId: user.id, reason: why });
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
        <RequiredReasonField reason={reason} hint="The email names you and gives your reason." />
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
