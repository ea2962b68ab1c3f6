import { type OperatorRole, operatorRoles } from '@onbehalf/contracts/permissions';
import { type AdminUser, updateUserBody } from '@onbehalf/contracts/users';
import { useState } from 'react';
import { useUpdateUser } from '../api/update-user.ts';
import { ChoiceField, ReasonedChangeDialog } from './reasoned-change-dialog.tsx';

type UserStatus = AdminUser['status'];

const statusChoices = [
  { value: 'active', label: 'Active: may sign in' },
  { value: 'disabled', label: 'Disabled: may not sign in' },
] as const;

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
  const [status, setStatus] = useState<UserStatus>(user.status);
  const [role, setRole] = useState<OperatorRole | null>(user.operatorRole);
  const [problem, setProblem] = useState<string | null>(null);
  const update = useUpdateUser();

  function submit(reason: string) {
    // Only what changed is sent; the contract's schema says when nothing did.
    const parsed = updateUserBody.safeParse({
      status: status !== user.status ? status : undefined,
      operatorRole: role !== user.operatorRole ? (role ?? undefined) : undefined,
      reason,
    });
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
      return;
    }
    setProblem(null);
    update.mutate({ userId: user.id, body: parsed.data }, { onSuccess: onClose });
  }

  const disabling = user.status === 'active' && status === 'disabled';
  const roleChoices: { value: OperatorRole | ''; label: string }[] = [
    ...(user.operatorRole === null ? [{ value: '' as const, label: 'No role' }] : []),
    ...operatorRoles.map((r) => ({ value: r, label: r })),
  ];
  return (
    <ReasonedChangeDialog
      title={`Change access for ${user.name}`}
      consequences={
        disabling
          ? `${user.name} is signed out everywhere at once. Impersonations by and of them end, and so does every sign-in link, login token and API key made for them or by them.`
          : user.kind === 'operator'
            ? 'A lower role withdraws the links, tokens and API keys they made that the new role may not make, and ends the impersonations started from them.'
            : 'The change and its reason are recorded in the audit trail.'
      }
      submitLabel={disabling ? 'Disable' : 'Save changes'}
      problem={problem ?? (update.isError ? update.error.message : null)}
      pending={update.isPending}
      onSubmit={submit}
      onClose={onClose}
    >
      <ChoiceField label="Status" value={status} choices={statusChoices} onChange={setStatus} />
      {user.kind === 'operator' ? (
        <ChoiceField
          label="Operator role"
          value={role ?? ''}
          choices={roleChoices}
          onChange={(chosen) => setRole(chosen === '' ? null : chosen)}
        />
      ) : null}
    </ReasonedChangeDialog>
  );
}
