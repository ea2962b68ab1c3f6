import { z } from 'zod';
import { organizationKind, userKind, userStatus } from './auth.ts';
import { nextCursor, type SearchPageQuery, searchPageQuery } from './common.ts';
import { impersonationVerdict } from './impersonation.ts';
import { customerPermission, operatorRole, profileRole } from './permissions.ts';

export const usersQuery = searchPageQuery;
export type UsersQuery = SearchPageQuery;

export const adminUser = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  kind: userKind,
  status: userStatus,
  operatorRole: operatorRole.nullable(),
  profiles: z.array(
    z.object({
      Id: z.number().int(),
      organizationName: z.string(),
      organizationKind: organizationKind,
      role: profileRole,
    }),
  ),
  /** May the calling operator impersonate this user, and if not, why. */
  impersonation: impersonationVerdict,
});
export type AdminUser = z.infer<typeof adminUser>;
/** A page of users in name order. */
export const adminUsersResponse = z.object({ users: z.array(adminUser), nextCursor });
export type AdminUsersResponse = z.infer<typeof adminUsersResponse>;

const operatorImpersonationSettings = z.object({
  enabled: z.boolean(),
  maxMinutes: z.number().int().min(5).max(60),
});
const oneClickSettings = z
  .object({
    defaultMinutes: z.number().int().min(1).max(1440),
    maxMinutes: z.number().int().min(1).max(1440),
  })
  .refine((v) => v.defaultMinutes <= v.maxMinutes, {
    message: 'The default lifetime cannot exceed the maximum.',
  });
const loginTokenSettings = z.object({ maxDays: z.number().int().min(1).max(366) });
/** "Email me a sign-in link" on the sign-in page. */
const selfServiceLinkSettings = z.object({ enabled: z.boolean() });

export const globalSettings = z.object({
  operatorImpersonation: operatorImpersonationSettings,
  oneClick: oneClickSettings,
  loginTokens: loginTokenSettings,
  selfServiceLinks: selfServiceLinkSettings,
});
export type GlobalSettings = z.infer<typeof globalSettings>;
export const globalSettingsResponse = z.object({ settings: globalSettings });
/**
 * Any of the groups, each whole. A group names only its own fields (ADR 042: a misspelt one is
 * refused, not dropped); the answer stays lenient, so a client reads a newer server's settings.
 */
export const updateGlobalSettingsBody = z
  .object({
    operatorImpersonation: operatorImpersonationSettings.strict(),
    oneClick: oneClickSettings.strict(),
    loginTokens: loginTokenSettings.strict(),
    selfServiceLinks: selfServiceLinkSettings.strict(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Change at least one setting.' });
export type UpdateGlobalSettingsBody = z.infer<typeof updateGlobalSettingsBody>;

const adminReason = z.string().trim().min(3, 'Give a reason of at least 3 characters.').max(500);

/** A superadmin disables or enables a user, or changes an operator's role, with a reason. */
export const updateUserBody = z
  .object({
    status: userStatus.optional(),
    operatorRole: operatorRole.optional(),
    reason: adminReason,
  })
  .refine((b) => b.status !== undefined || b.operatorRole !== undefined, {
    message: 'Change the status, the operator role, or both.',
  });
export type UpdateUserBody = z.infer<typeof updateUserBody>;
export const updatedUserResponse = z.object({
  user: z.object({
    id: z.number().int(),
    name: z.string(),
    email: z.string(),
    kind: userKind,
    status: userStatus,
    operatorRole: operatorRole.nullable(),
  }),
});

/** A superadmin sets a profile's role (raising to admin or owner needs a reason, as any change). */
export const setProfileRoleBody = z.object({ role: profileRole, reason: adminReason });
export type SetProfileRoleBody = z.infer<typeof setProfileRoleBody>;
export const profileRoleResponse = z.object({
  profileId: z.number().int(),
  role: profileRole,
  permissions: z.array(customerPermission),
});

/** Organizations by name, for the backoffice (the organizations an API key covers, …). */
export const organizationsQuery = z.object({ query: z.string().trim().max(200).optional() });
export const organizationsResponse = z.object({
  organizations: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      kind: organizationKind,
      integrationsEnabled: z.boolean(),
    }),
  ),
  /** More organizations match than are shown (at most 50): type more of the name. */
  more: z.boolean(),
});
export type OrganizationsResponse = z.infer<typeof organizationsResponse>;
