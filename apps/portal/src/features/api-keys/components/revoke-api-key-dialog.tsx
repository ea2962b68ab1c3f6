import type { ApiKeySummary } from '@onbehalf/contracts/login-links';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
import { useRevokeApiKey } from '../api/revoke-api-key.ts';

interface RevokeApiKeyDialogProps {
  apiKey: Pick<ApiKeySummary, 'id' | 'name'>;
  onRevoked: () => void;
  onClose: () => void;
}

export function RevokeApiKeyDialog({ apiKey, onRevoked, onClose }: RevokeApiKeyDialogProps) {
  const revoke = useRevokeApiKey();
  return (
    <ConfirmDialog
      title="Revoke API key"
      confirmLabel="Revoke key"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      error={revoke.error}
      onConfirm={() => revoke.mutate(apiKey.id, { onSuccess: onRevoked })}
      onClose={onClose}
    >
      <p>
        Anything using <strong>{apiKey.name}</strong> stops working at once. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
