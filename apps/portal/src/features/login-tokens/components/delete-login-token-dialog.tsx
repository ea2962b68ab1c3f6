import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { LoadingStatus } from '../../../components/ui/status.tsx';
import { useDeleteLoginToken } from '../api/delete-login-token.ts';

interface DeleteLoginTokenDialogProps {
  tokenId: number;
  onDeleted: () => void;
  onClose: () => void;
}

export function DeleteLoginTokenDialog({
  tokenId,
  onDeleted,
  onClose,
}: DeleteLoginTokenDialogProps) {
  const remove = useDeleteLoginToken();
  return (
    <ModalDialog title="Delete login token" onClose={onClose}>
      <div className="form">
        <p>Login token {tokenId} stops working at once.</p>
        <p>This cannot be undone. The audit trail keeps the record.</p>
        {remove.isError ? (
          <div role="alert" className="alert alert--error">
            {remove.error.message}
          </div>
        ) : null}
        <div className="dialog__actions">
          <button
            type="button"
            className="button button--danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(tokenId, { onSuccess: onDeleted })}
          >
            Delete token
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {remove.isPending ? <LoadingStatus label="Deleting…" /> : null}
      </div>
    </ModalDialog>
  );
}
