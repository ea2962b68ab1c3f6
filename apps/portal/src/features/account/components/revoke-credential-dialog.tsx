import type { AccountCredential } from '@onbehalf/contracts/login-links';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
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
    <ConfirmDialog
      title={`Revoke ${kind}`}
      confirmLabel={`Revoke ${kind}`}
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      error={revoke.error}
      onConfirm={() =>
        revoke.mutate({ kind: credential.kind, id: credential.id }, { onSuccess: onRevoked })
      }
      onClose={onClose}
    >
      {credential.inUse ? (
        <p>
          {makerLabel(credential.maker)} is acting as you with <strong>{credential.name}</strong>{' '}
          now. Revoking it ends that at once. This cannot be undone.
        </p>
      ) : (
        <p>
          <strong>{credential.name}</strong>, made by {makerLabel(credential.maker)}, stops working
          at once. Anyone signed in with it for an integration is signed out, and an impersonation
          it started ends. This cannot be undone.
        </p>
      )}
    </ConfirmDialog>
  );
}
