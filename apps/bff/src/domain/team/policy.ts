import type { ErrorCode } from '@onbehalf/contracts/errors';
import type { CustomerPermission, Permission, ProfileRole } from '@onbehalf/contracts/permissions';

/**
 * Who may change a team member's role and permissions (docs/decisions/003, SPEC §4b). Pure:
 * the editor, the member as they are, the change asked for → the refusal, or null.
 */

export interface MemberChange {
  editor: { profileId: number; role: ProfileRole; permissions: ReadonlySet<Permission> };
  member: { profileId: number; role: ProfileRole; permissions: readonly CustomerPermission[] };
  after: { role: ProfileRole; permissions: readonly CustomerPermission[] };
}

/** Team rights make someone an admin in all but name: granting them is raising them. */
const isTeamRight = (p: CustomerPermission) => p.startsWith('team:');

export function memberChangeBlock(c: MemberChange): ErrorCode | null {
  const { editor, member, after } = c;
  if (member.profileId === editor.profileId) return 'cannot_edit_self';
  const byOwner = editor.role === 'owner';
  // Owners are changed and made only by owners.
  if (!byOwner && (member.role === 'owner' || after.role === 'owner')) return 'owner_protected';
  const before = new Set(member.permissions);
  const granted = after.permissions.filter((p) => !before.has(p));
  // Raising to admin is the owner's act, whether by role or by team rights (SPEC §4b).
  const raised = (after.role === 'admin' && member.role !== 'admin') || granted.some(isTeamRight);
  if (!byOwner && raised) return 'owner_required';
  if (granted.some((p) => !editor.permissions.has(p))) return 'permission_escalation';
  return null;
}
