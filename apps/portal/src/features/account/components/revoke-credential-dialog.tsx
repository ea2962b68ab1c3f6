import type { AccountCredential } from '@onbehalf/contracts/login-links';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { LoadingStatus } from '../../../components/ui/status.tsx';
import { makerLabel } from '../../../lib/people.ts';
import { useRevokeCredential } from '../api/revoke-credential.ts';
import { credentialKindLabels } from '../credential-labels.ts';

interface RevokeCredentialDialogProps {
  credential: AccountCredential;
  onRevoked: () => void;
  onClose: () => void;
}

/** Asks once before a sign-in link or login token made for me stops working for good. */
export function RevokeCredentialDialog({
  credential,
  onRevoked,
  onClose,
}: RevokeCredentialDialogProps) {
  const revoke = useRevokeCredential();
  const kind = credentialKindLabels[credential.kind].toLowerCase();
  return (
    <ModalDialog title={`Revoke ${kind}`} onClose={onClose}>
      <div className="form">
        <p>
          <strong>{credential.name}</strong>, made by {makerLabel(credential.maker)}, stops working
          at once. Anyone signed in with it for an integration is signed out, and an impersonation
          it started ends. This cannot be undone.
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
            onClick={() =>
              revoke.mutate({ kind: credential.kind, id: credential.id }, { onSuccess: onRevoked })
            }
          >
            Revoke {kind}
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
