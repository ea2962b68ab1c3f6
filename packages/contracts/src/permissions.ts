import { z } from 'zod';

/** What a customer profile may do inside its organization. */
export const customerPermissions = [
  'orders:read',
  'orders:create',
  'invoices:read',
  'team:read',
  'team:manage',
  'team:impersonate',
  'team:settings',
] as const;

/** What a backoffice operator may do. */
export const operatorPermissions = [
  'users:read',
  'users:impersonate',
  'login-tokens:manage',
  'one-click-links:create',
  'users:provision',
  'outbox:read',
  'audit:read',
  'settings:manage',
  'api-keys:manage',
] as const;

export const customerPermission = z.enum(customerPermissions);
export const operatorPermission = z.enum(operatorPermissions);
export const permission = z.enum([...customerPermissions, ...operatorPermissions]);

export type CustomerPermission = z.infer<typeof customerPermission>;
export type OperatorPermission = z.infer<typeof operatorPermission>;
export type Permission = z.infer<typeof permission>;

export const profileRoles = ['owner', 'admin', 'member'] as const;
export const profileRole = z.enum(profileRoles);
export type ProfileRole = z.infer<typeof profileRole>;

export const operatorRoles = ['support', 'admin', 'superadmin'] as const;
export const operatorRole = z.enum(operatorRoles);
export type OperatorRole = z.infer<typeof operatorRole>;

const memberPreset: CustomerPermission[] = ['orders:read', 'orders:create', 'invoices:read'];
const adminPreset: CustomerPermission[] = [
  ...memberPreset,
  'team:read',
  'team:manage',
  'team:impersonate',
];

/** The permissions a profile starts with for its role; the team page edits them from there. */
export const profileRolePresets: Record<ProfileRole, readonly CustomerPermission[]> = {
  member: memberPreset,
  admin: adminPreset,
  owner: [...adminPreset, 'team:settings'],
};

const supportPreset: OperatorPermission[] = ['users:read', 'users:impersonate', 'audit:read'];
const operatorAdminPreset: OperatorPermission[] = [
  ...supportPreset,
  'login-tokens:manage',
  'one-click-links:create',
  'users:provision',
  'outbox:read',
];

/** Operators hold exactly their role's permissions. */
export const operatorRolePermissions: Record<OperatorRole, readonly OperatorPermission[]> = {
  support: supportPreset,
  admin: operatorAdminPreset,
  superadmin: [...operatorAdminPreset, 'settings:manage', 'api-keys:manage'],
};

/** Rank used by the "never upward" rule: an operator acts only below their own rank. */
export const operatorRoleRank: Record<OperatorRole, number> = {
  support: 1,
  admin: 2,
  superadmin: 3,
};

export const permissionLabels: Record<Permission, string> = {
  'orders:read': 'View orders',
  'orders:create': 'Place orders',
  'invoices:read': 'View invoices',
  'team:read': 'View team',
  'team:manage': 'Manage team permissions',
  'team:impersonate': 'Sign in as team members',
  'team:settings': 'Change team settings',
  'users:read': 'Search users',
  'users:impersonate': 'Impersonate users',
  'login-tokens:manage': 'Manage login tokens',
  'one-click-links:create': 'Create one-click login links',
  'users:provision': 'Provision users',
  'outbox:read': 'Read the local mail outbox',
  'api-keys:manage': 'Manage API keys',
  'audit:read': 'Read the audit trail',
  'settings:manage': 'Change global settings',
};

/**
 * A permission set in catalogue order, each once, so stored and displayed sets compare equal.
 * Anything outside the catalogue grants nothing and is left out.
 */
export function sortPermissions<P extends Permission>(set: Iterable<P>): P[] {
  // Runs for every session check: one pass over the catalogue, no comparisons.
  const wanted: ReadonlySet<Permission> = set instanceof Set ? set : new Set(set);
  return permission.options.filter((p) => wanted.has(p)) as P[];
}

/** What an integration's API key may do: a subset of operator permissions, chosen per key. */
export const apiKeyScopes = [
  'one-click-links:create',
  'login-tokens:manage',
  'users:read',
  'users:provision',
] as const;
export const apiKeyScope = z.enum(apiKeyScopes);
export type ApiKeyScope = z.infer<typeof apiKeyScope>;
