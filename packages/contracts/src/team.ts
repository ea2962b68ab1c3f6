import { z } from 'zod';
import { userStatus } from './auth.ts';
import { listOf, nextCursor, numericId, type SearchPageQuery, searchPageQuery } from './common.ts';
import { impersonationVerdict } from './impersonation.ts';
import { customerPermission, profileRole } from './permissions.ts';

export const teamMember = z.object({
  profileId: z.number().int(),
  userId: z.number().int(),
  name: z.string(),
  email: z.string(),
  status: userStatus,
  role: profileRole,
  permissions: z.array(customerPermission),
  isSelf: z.boolean(),
  allowTeamImpersonation: z.boolean(),
  /** May the caller use "Impersonate account" on this member, and if not, why. */
  impersonation: impersonationVerdict,
});
export type TeamMember = z.infer<typeof teamMember>;

export const teamSettings = z.object({
  impersonationEnabled: z.boolean(),
  impersonationMaxMinutes: z.number().int().min(5).max(60),
  /** May members of this organization email themselves a sign-in link? */
  selfServiceLinksEnabled: z.boolean(),
  /** May credentials be handed over to systems (integrations) for this organization's members? */
  integrationsEnabled: z.boolean(),
});
export type TeamSettings = z.infer<typeof teamSettings>;
export const teamSettingsResponse = z.object({ settings: teamSettings });
export const updateTeamSettingsBody = teamSettings
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Change at least one setting.' });
export type UpdateTeamSettingsBody = z.infer<typeof updateTeamSettingsBody>;

export const teamMembersQuery = searchPageQuery;
export type TeamMembersQuery = SearchPageQuery;

/** A page of members, in name order; `query` finds them by any word of name or email. */
export const teamMembersResponse = z.object({
  organization: z.object({ id: z.number().int(), name: z.string() }),
  members: z.array(teamMember),
  nextCursor,
});
export type TeamMembersResponse = z.infer<typeof teamMembersResponse>;

export const teamMemberParam = z.object({ profileId: numericId });

export const updateTeamMemberBody = z
  .object({
    role: profileRole.optional(),
    permissions: listOf(customerPermission, { max: 32 }).optional(),
  })
  .refine((b) => b.role !== undefined || b.permissions !== undefined, {
    message: 'Give a role, permissions, or both.',
  });
export type UpdateTeamMemberBody = z.infer<typeof updateTeamMemberBody>;

export const teamMemberResponse = z.object({ member: teamMember });
