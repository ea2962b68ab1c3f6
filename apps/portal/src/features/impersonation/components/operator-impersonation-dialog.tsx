import type { AdminUser } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { useStartOperatorImpersonation } from '../api/start-operator-impersonation.ts';

const MIN_REASON = 3;

interface OperatorImpersonationDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'profiles'>;
  onClose: () => void;
}

/** Operator door: a reason (required), an optional ticket and, if need be, which profile. */
export function OperatorImpersonationDialog({ user, onClose }: OperatorImpersonationDialogProps) {
  const reasonId = useId();
  const reasonErrorId = useId();
  const ticketId = useId();
  const profileId = useId();
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [profile, setProfile] = useState(String(user.profiles[0]?.Id ?? ''));
  const [reasonError, setReasonError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const start = useStartOperatorImpersonation();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The server insists too; saying so here spares a round trip and keeps the text.
    if (reason.trim().length < MIN_REASON) {
      setReasonError(`Give a reason of at least ${MIN_REASON} characters.`);
      reasonRef.current?.focus();
      return;
    }
    setReasonError(null);
    start
      .mutateAsync({
        userId: user.id,
        profileId: profile ? Number(profile) : undefined,
        reason: reason.trim(),
        ticket: ticket.trim() || undefined,
      })
      .then(
        () => navigate('/', { replace: true }),
        // Shown in the dialog from the mutation's state.
        () => undefined,
      );
  }

  return (
    <ModalDialog title={`Impersonate ${user.name}`} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        <p className="muted">
          You will see the portal exactly as {user.name} does, for a limited time. The reason and
          ticket are recorded and shown in their access history.
        </p>
        {start.isError ? (
          <div role="alert" className="alert alert--error">
            {start.error.message}
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
            aria-describedby={reasonError ? reasonErrorId : undefined}
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
              if (event.target.value.trim().length >= MIN_REASON) setReasonError(null);
            }}
          />
          {reasonError ? (
            <p id={reasonErrorId} role="alert" className="field__error">
              {reasonError}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ticketId}>Ticket reference</label>
          <input
            id={ticketId}
            type="text"
            maxLength={100}
            autoComplete="off"
            value={ticket}
            onChange={(event) => setTicket(event.target.value)}
          />
        </div>
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
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" disabled={start.isPending}>
            Start impersonation
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {start.isPending ? (
          <p role="status" className="loading">
            Starting…
          </p>
        ) : null}
      </form>
    </ModalDialog>
  );
}
