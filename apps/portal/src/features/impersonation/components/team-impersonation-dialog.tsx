import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { useStartTeamImpersonation } from '../api/start-team-impersonation.ts';

export interface Coworker {
  profileId: number;
  name: string;
}

interface TeamImpersonationDialogProps {
  coworker: Coworker;
  onClose: () => void;
}

/** Team door: an optional reason, then the coworker's dashboard. */
export function TeamImpersonationDialog({ coworker, onClose }: TeamImpersonationDialogProps) {
  const reasonId = useId();
  const hintId = useId();
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const start = useStartTeamImpersonation();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    start.mutateAsync({ coworkerId: coworker.profileId, reason }).then(
      () => navigate('/', { replace: true }),
      // Shown in the dialog from the mutation's state.
      () => undefined,
    );
  }

  return (
    <ModalDialog title={`Sign in as ${coworker.name}`} onClose={onClose}>
      <form className="form" onSubmit={handleSubmit}>
        <p className="muted" id={hintId}>
          You will see the portal exactly as {coworker.name} does, for a limited time.{' '}
          {coworker.name} can see in their access history that you did, and why.
        </p>
        {start.isError ? (
          <div role="alert" className="alert alert--error">
            {start.error.message}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={reasonId}>Reason (optional)</label>
          <textarea
            id={reasonId}
            rows={3}
            maxLength={500}
            value={reason}
            aria-describedby={hintId}
            onChange={(event) => setReason(event.target.value)}
          />
        </div>
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
