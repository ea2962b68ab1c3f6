import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
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
    <ConfirmDialog
      title="Delete login token"
      confirmLabel="Delete token"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate(tokenId, { onSuccess: onDeleted })}
      onClose={onClose}
    >
      <p>Login token {tokenId} stops working at once.</p>
      <p>This cannot be undone. The audit trail keeps the record.</p>
    </ConfirmDialog>
  );
}
