import { z } from 'zod';
import { organizationKind, userKind, userStatus } from './auth.ts';
import { impersonationVerdict } from './impersonation.ts';
import { operatorRole, profileRole } from './permissions.ts';

export const usersQuery = z.object({ query: z.string().trim().max(200).optional() });

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
export const adminUsersResponse = z.object({ users: z.array(adminUser) });
export type AdminUsersResponse = z.infer<typeof adminUsersResponse>;

export const globalSettings = z.object({
  operatorImpersonation: z.object({
    enabled: z.boolean(),
    maxMinutes: z.number().int().min(5).max(60),
  }),
  oneClick: z
    .object({
      defaultMinutes: z.number().int().min(1).max(1440),
      maxMinutes: z.number().int().min(1).max(1440),
    })
    .refine((v) => v.defaultMinutes <= v.maxMinutes, {
      message: 'The default lifetime cannot exceed the maximum.',
    }),
  loginTokens: z.object({ maxDays: z.number().int().min(1).max(366) }),
  /** "Email me a sign-in link" on the sign-in page. */
  selfServiceLinks: z.object({ enabled: z.boolean() }),
});
export type GlobalSettings = z.infer<typeof globalSettings>;
export const globalSettingsResponse = z.object({ settings: globalSettings });
export const updateGlobalSettingsBody = globalSettings
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Change at least one setting.' });
export type UpdateGlobalSettingsBody = z.infer<typeof updateGlobalSettingsBody>;
