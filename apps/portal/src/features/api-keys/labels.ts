import type { ApiKeyScope } from '@onbehalf/contracts/permissions';

/** What each scope lets an integration do, as the New API key form offers it. */
export const apiKeyScopeLabels: Record<ApiKeyScope, string> = {
  'one-click-links:create': 'Create one-click links',
  'login-tokens:manage': 'Manage login tokens',
  'users:read': 'Read users',
  'users:provision': 'Provision users',
};

export const apiKeyScopeList = Object.keys(apiKeyScopeLabels) as ApiKeyScope[];
