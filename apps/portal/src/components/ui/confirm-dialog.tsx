import type { ReactNode } from 'react';
import { ModalDialog } from './modal-dialog.tsx';
import { LoadingStatus } from './status.tsx';

interface ConfirmDialogProps {
  title: string;
  /** What happens if the person goes on, in a sentence or two. */
  children: ReactNode;
  /** The destructive button's text, e.g. "Revoke key". */
  confirmLabel: string;
  pendingLabel: string;
  /** The state of the mutation the button starts. */
  pending: boolean;
  error: Error | null;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks once before something that cannot be undone: revoke, delete. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  pendingLabel,
  pending,
  error,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  return (
    <ModalDialog title={title} onClose={onClose}>
      <div className="form">
        {children}
        {error ? (
          <div role="alert" className="alert alert--error">
            {error.message}
          </div>
        ) : null}
        <div className="dialog__actions">
          <button
            type="button"
            className="button button--danger"
            disabled={pending}
            onClick={onConfirm}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {pending ? <LoadingStatus label={pendingLabel} /> : null}
      </div>
    </ModalDialog>
  );
}
