import { type ProfileRole, profileRoles } from '@onbehalf/contracts/permissions';
import type { AdminUser } from '@onbehalf/contracts/users';
import { type FormEvent, useId, useState } from 'react';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';
import { useSetProfileRole } from '../api/set-profile-role.ts';

interface ProfileRoleDialogProps {
  user: Pick<AdminUser, 'name'>;
  profile: AdminUser['profiles'][number];
  onClose: () => void;
}

/**
 * A superadmin sets someone's role in one organization, with a reason: for the organization
 * whose only owner left, or a team that cannot raise its own admin (SPEC §4b).
 */
export function ProfileRoleDialog({ user, profile, onClose }: ProfileRoleDialogProps) {
  const roleId = useId();
  const [role, setRole] = useState<ProfileRole>(profile.role);
  const [problem, setProblem] = useState<string | null>(null);
  const reason = useRequiredReason();
  const update = useSetProfileRole();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (!why) return;
    if (role === profile.role) {
      setProblem(`${user.name} is already ${role} in ${profile.organizationName}.`);
      return;
    }
    setProblem(null);
    update.mutate({ profileId: profile.Id, body: { role, reason: why } }, { onSuccess: onClose });
  }

  return (
    <ModalDialog title={`Role of ${user.name} in ${profile.organizationName}`} onClose={onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        {problem || update.isError ? (
          <div role="alert" className="alert alert--error">
            {problem ?? update.error?.message}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={roleId}>Role</label>
          <select
            id={roleId}
            value={role}
            onChange={(event) => setRole(event.target.value as ProfileRole)}
          >
            {profileRoles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <p className="muted">
          The role's preset permissions replace the ones the profile has now. Impersonations the new
          role no longer allows end at once.
        </p>
        <RequiredReasonField reason={reason} />
        <DialogFormActions
          submitLabel="Save role"
          pending={update.isPending}
          pendingLabel="Saving…"
          onCancel={onClose}
        />
      </form>
    </ModalDialog>
  );
}
