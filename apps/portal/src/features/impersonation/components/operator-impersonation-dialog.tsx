import type { AdminUser } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { TicketField } from '../../../components/ui/ticket-field.tsx';
import { useStartOperatorImpersonation } from '../api/start-operator-impersonation.ts';

interface OperatorImpersonationDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'profiles'>;
  /** Through a one-click link handed over to the operator, for those who may make links. */
  handover: boolean;
  onClose: () => void;
}

/**
 * "Sign in as…": a reason (required), an optional ticket and, if need be, which profile. It is
 * an impersonation, whichever way it starts.
 */
export function OperatorImpersonationDialog({
  user,
  handover,
  onClose,
}: OperatorImpersonationDialogProps) {
  const profileId = useId();
  const navigate = useNavigate();
  const [ticket, setTicket] = useState('');
  const [profile, setProfile] = useState(String(user.profiles[0]?.Id ?? ''));
  const reason = useRequiredReason();
  const start = useStartOperatorImpersonation();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (!why) return;
    start
      .mutateAsync({
        userId: user.id,
        profileId: profile ? Number(profile) : undefined,
        reason: why,
        ticket: ticket.trim() || undefined,
        handover,
      })
      .then(
        () => navigate('/', { replace: true }),
        // Shown in the dialog from the mutation's state.
        () => undefined,
      );
  }

  return (
    <ModalDialog title={`Sign in as ${user.name}`} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        <p className="muted">
          This is an impersonation: you will see the portal exactly as {user.name} does, for a
          limited time, with a banner to leave it. The reason and ticket are recorded and shown in
          their access history.
        </p>
        {start.isError ? (
          <div role="alert" className="alert alert--error">
            {start.error.message}
          </div>
        ) : null}
        <RequiredReasonField reason={reason} />
        <TicketField value={ticket} onChange={setTicket} />
        {user.profiles.length > 1 ? (
          <div className="field">
            <label htmlFor={profileId}>Profile</label>
            <select
              id={profileId}
              value={profile}
              onChange={(event) => setProfile(event.target.value)}
            >
              {user.profiles.map((p) => (
                <option key={p.Id} value={p.Id}>
                  {p.organizationName}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <DialogFormActions
          submitLabel="Start impersonation"
          pending={start.isPending}
          pendingLabel="Starting…"
          onCancel={onClose}
        />
      </form>
    </ModalDialog>
  );
}
