import { type OperatorRole, operatorRoles } from '@onbehalf/contracts/permissions';
import { type AdminUser, updateUserBody } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useState } from 'react';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { useUpdateUser } from '../api/update-user.ts';

type UserStatus = AdminUser['status'];

interface ChangeAccessDialogProps {
  user: Pick<AdminUser, 'id' | 'name' | 'kind' | 'status' | 'operatorRole'>;
  onClose: () => void;
}

/**
 * "Change access…" in Admin › Users: a superadmin disables or enables a person, or changes an
 * operator's role, with a reason. The server decides what ends with the change; the dialog
 * says what that will be before it is sent.
 */
export function ChangeAccessDialog({ user, onClose }: ChangeAccessDialogProps) {
  const statusId = useId();
  const roleId = useId();
  const [status, setStatus] = useState<UserStatus>(user.status);
  const [role, setRole] = useState<OperatorRole | null>(user.operatorRole);
  const [problem, setProblem] = useState<string | null>(null);
  const reason = useRequiredReason();
  const update = useUpdateUser();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (!why) return;
    // Only what changed is sent; the contract's schema says when nothing did.
    const parsed = updateUserBody.safeParse({
      status: status !== user.status ? status : undefined,
      operatorRole: role !== user.operatorRole ? (role ?? undefined) : undefined,
      reason: why,
    });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
      return;
    }
    setProblem(null);
    update.mutate({ userId: user.id, body: parsed.data }, { onSuccess: onClose });
  }

  const disabling = user.status === 'active' && status === 'disabled';
  return (
    <ModalDialog title={`Change access for ${user.name}`} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        {problem || update.isError ? (
          <div role="alert" className="alert alert--error">
            {problem ?? update.error?.message}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={statusId}>Status</label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => setStatus(event.target.value as UserStatus)}
          >
            <option value="active">Active: may sign in</option>
            <option value="disabled">Disabled: may not sign in</option>
          </select>
        </div>
        {user.kind === 'operator' ? (
          <div className="field">
            <label htmlFor={roleId}>Operator role</label>
            <select
              id={roleId}
              value={role ?? ''}
              onChange={(event) => setRole(event.target.value as OperatorRole)}
            >
              {user.operatorRole === null ? <option value="">No role</option> : null}
              {operatorRoles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <p className="muted">
          {disabling
            ? `${user.name} is signed out everywhere at once. Impersonations by and of them end, and so does every sign-in link, login token and API key made for them or by them.`
            : user.kind === 'operator'
              ? 'A lower role withdraws the links, tokens and API keys they made that the new role may not make, and ends the impersonations started from them.'
              : 'The change and its reason are recorded in the audit trail.'}
        </p>
        <RequiredReasonField reason={reason} />
        <DialogFormActions
          submitLabel={disabling ? 'Disable' : 'Save changes'}
          pending={update.isPending}
          pendingLabel="Saving…"
          onCancel={onClose}
        />
      </form>
    </ModalDialog>
  );
}
