import type { CustomerPermission, Permission, ProfileRole } from '@onbehalf/contracts/permissions';
import type { TeamMember } from '@onbehalf/contracts/team';

export interface Viewer {
  role: ProfileRole | null;
  permissions: readonly Permission[];
  /**
   * Why team rights are not the viewer's to change in this session (someone acting as them,
   * an integration's session: the server refuses), or null.
   */
  restricted: string | null;
}

/**
 * Why a checkbox cannot be changed, mirroring the server's refusals so the page does not
 * offer what the server would reject. `null` when it can be changed.
 */
export function lockReason(
  viewer: Viewer,
  member: TeamMember,
  permission: CustomerPermission,
): string | null {
  if (viewer.restricted) return viewer.restricted;
  if (member.isSelf) return 'You cannot change your own permissions.';
  if (member.role === 'owner' && viewer.role !== 'owner') {
    return 'Only an owner can change another owner.';
  }
  if (!viewer.permissions.includes('team:manage')) {
    return 'You need the “Manage team permissions” permission to change this.';
  }
  const granting = !member.permissions.includes(permission);
  // Team rights make someone an admin in all but name: granting them is the owner's act.
  if (granting && permission.startsWith('team:') && viewer.role !== 'owner') {
    return 'Only the organization’s owner can grant team rights.';
  }
  if (granting && !viewer.permissions.includes(permission)) {
    return 'You cannot grant a permission you do not hold yourself.';
  }
  return null;
}
