import { z } from 'zod';
import { organizationKind, userStatus } from './auth.ts';
import { bodyId, nextCursor, type SearchPageQuery, searchPageQuery } from './common.ts';
import { impersonationBlock } from './impersonation.ts';
import { profileRole } from './permissions.ts';

/**
 * A profile as the coworkers API lists it. The casing follows the Propeller API this
 * contract mirrors (`Profiles[].Id`), so integrations written against it keep working.
 */
export const coworkerProfile = z.object({
  Id: z.number().int(),
  UserId: z.number().int(),
  Name: z.string(),
  Email: z.string(),
  Status: userStatus,
  Role: profileRole,
  Type: z.enum(['Contact', 'Customer']),
  OrganizationId: z.number().int(),
  OrganizationName: z.string(),
  OrganizationKind: organizationKind,
  /** One of the caller's own profiles (as opposed to a coworker they may act for). */
  IsOwn: z.boolean(),
  IsCurrent: z.boolean(),
  /** The member's opt-out: may team admins sign in as them in this organization? */
  AllowTeamImpersonation: z.boolean(),
  /** For a coworker: may the caller sign in on their behalf, and if not, why. */
  CanImpersonate: z.boolean(),
  ImpersonationBlockedReason: impersonationBlock.nullable(),
});
export type CoworkerProfile = z.infer<typeof coworkerProfile>;

export const profilesQuery = searchPageQuery;
export type ProfilesQuery = SearchPageQuery;

/**
 * The caller's own profiles (on the first page), then a page of the coworkers a team admin
 * may sign in as, in name order; `query` finds coworkers by name or email.
 */
export const profilesResponse = z.object({ Profiles: z.array(coworkerProfile), nextCursor });
export type ProfilesResponse = z.infer<typeof profilesResponse>;

export const switchProfileBody = z.object({ Id: bodyId });
export type SwitchProfileBody = z.infer<typeof switchProfileBody>;
