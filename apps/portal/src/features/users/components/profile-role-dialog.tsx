import { type ProfileRole, profileRoles } from '@onbehalf/contracts/permissions';
import type { AdminUser } from '@onbehalf/contracts/users';
import { useState } from 'react';
import { useSetProfileRole } from '../api/set-profile-role.ts';
import { ChoiceField, ReasonedChangeDialog } from './reasoned-change-dialog.tsx';

const roleChoices = profileRoles.map((r) => ({ value: r, label: r }));

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
  const [role, setRole] = useState<ProfileRole>(profile.role);
  const [problem, setProblem] = useState<string | null>(null);
  const update = useSetProfileRole();

  function submit(reason: string) {
    if (role === profile.role) {
      setProblem(`${user.name} is already ${role} in ${profile.organizationName}.`);
      return;
    }
    setProblem(null);
    update.mutate({ profileId: profile.Id, body: { role, reason } }, { onSuccess: onClose });
  }

  return (
    <ReasonedChangeDialog
      title={`Role of ${user.name} in ${profile.organizationName}`}
      consequences="The role's preset permissions replace the ones the profile has now. Impersonations the new role no longer allows end at once."
      submitLabel="Save role"
      problem={problem ?? (update.isError ? update.error.message : null)}
      pending={update.isPending}
      onSubmit={submit}
      onClose={onClose}
    >
      <ChoiceField label="Role" value={role} choices={roleChoices} onChange={setRole} />
    </ReasonedChangeDialog>
  );
}
