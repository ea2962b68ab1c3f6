import { type FormEvent, useId, useRef, useState } from 'react';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { SecretField } from '../../../components/ui/secret-field.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useCreateOneClickLink } from '../api/create-one-click-link.ts';

const MAX_MINUTES = 24 * 60;

interface OneClickLinkDialogProps {
  user: { id: number; name: string };
  onClose: () => void;
}

/** Admin › Users: a single-use sign-in link for a customer, shown once. */
export function OneClickLinkDialog({ user, onClose }: OneClickLinkDialogProps) {
  const minutesId = useId();
  const hintId = useId();
  const minutesRef = useRef<HTMLInputElement>(null);
  // Empty until the operator chooses: then the server applies the default from the settings.
  const [minutes, setMinutes] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useCreateOneClickLink();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A number field reports text it cannot read ("1e") as empty: that is not "use the default".
    const unreadable = minutesRef.current?.validity.badInput ?? false;
    const chosen = minutes.trim();
    if (!chosen && !unreadable) {
      setInvalid(null);
      create.mutate({ userId: user.id });
      return;
    }
    const value = Number(chosen);
    if (unreadable || !Number.isInteger(value) || value < 1 || value > MAX_MINUTES) {
      setInvalid('Choose a whole number of minutes, at least 1.');
      return;
    }
    setInvalid(null);
    create.mutate({ userId: user.id, expiresInMinutes: value });
  }

  const title = `One-click link for ${user.name}`;

  if (create.isSuccess) {
    return (
      <ModalDialog title={title} onClose={onClose}>
        <div className="form">
          <p role="status" className="alert alert--success">
            One-click link created.
          </p>
          <SecretField label="One-click link" value={create.data.url} copyLabel="Copy URL" />
          <p>
            It signs in as {user.name} once, until{' '}
            <strong>{formatDateTime(create.data.expiresAt)}</strong>.
          </p>
          <p className="muted">This link is shown only once.</p>
          <div className="dialog__actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </ModalDialog>
    );
  }

  const error = invalid ?? (create.isError ? create.error.message : null);

  return (
    <ModalDialog title={title} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        <p className="muted">
          Anyone who opens the link can sign in as {user.name} without a password, once. Send it
          only to them.
        </p>
        {error ? (
          <div role="alert" className="alert alert--error">
            {error}
          </div>
        ) : null}
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
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            Create link
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {create.isPending ? (
          <p role="status" className="loading">
            Creating…
          </p>
        ) : null}
      </form>
    </ModalDialog>
  );
}
