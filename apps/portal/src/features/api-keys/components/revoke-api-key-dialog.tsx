import type { ApiKeySummary } from '@onbehalf/contracts/login-links';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { LoadingStatus } from '../../../components/ui/status.tsx';
import { useRevokeApiKey } from '../api/revoke-api-key.ts';

interface RevokeApiKeyDialogProps {
  apiKey: Pick<ApiKeySummary, 'id' | 'name'>;
  onRevoked: () => void;
  onClose: () => void;
}

export function RevokeApiKeyDialog({ apiKey, onRevoked, onClose }: RevokeApiKeyDialogProps) {
  const revoke = useRevokeApiKey();
  return (
    <ModalDialog title="Revoke API key" onClose={onClose}>
      <div className="form">
        <p>
          Anything using <strong>{apiKey.name}</strong> stops working at once. This cannot be
          undone.
        </p>
        {revoke.isError ? (
          <div role="alert" className="alert alert--error">
            {revoke.error.message}
          </div>
        ) : null}
        <div className="dialog__actions">
          <button
            type="button"
            className="button button--danger"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate(apiKey.id, { onSuccess: onRevoked })}
          >
            Revoke key
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {revoke.isPending ? <LoadingStatus label="Revoking…" /> : null}
      </div>
    </ModalDialog>
  );
}
