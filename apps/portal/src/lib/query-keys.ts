/**
 * Every query key comes from here. Keys are hierarchical so a mutation can invalidate a
 * whole branch by its prefix (e.g. `queryKeys.orders.all`).
 */
export const queryKeys = {
  auth: {
    all: ['auth'] as const,
    session: () => [...queryKeys.auth.all, 'session'] as const,
    sessions: () => [...queryKeys.auth.all, 'sessions'] as const,
    /** A search of my sessions: under `sessions`, so a revocation refreshes every search. */
    sessionsFound: (search: string) => [...queryKeys.auth.sessions(), { search }] as const,
  },
  profiles: {
    all: ['profiles'] as const,
    /** The caller's own profiles, and whether they have any coworker to sign in as. */
    own: () => [...queryKeys.profiles.all, 'own'] as const,
    coworkers: (search: string) => [...queryKeys.profiles.all, 'coworkers', { search }] as const,
  },
  team: {
    all: ['team'] as const,
    members: (search: string) => [...queryKeys.team.all, 'members', { search }] as const,
    settings: () => [...queryKeys.team.all, 'settings'] as const,
  },
  account: {
    all: ['account'] as const,
    accessHistory: () => [...queryKeys.account.all, 'access-history'] as const,
    integrationAccess: () => [...queryKeys.account.all, 'integration-access'] as const,
    credentials: () => [...queryKeys.account.all, 'credentials'] as const,
    credentialsHeldBy: (heldBy: string) =>
      [...queryKeys.account.credentials(), { heldBy }] as const,
  },
  users: {
    all: ['users'] as const,
    list: (search: string) => [...queryKeys.users.all, 'list', { search }] as const,
  },
  orders: {
    all: ['orders'] as const,
    list: () => [...queryKeys.orders.all, 'list'] as const,
  },
  invoices: {
    all: ['invoices'] as const,
    list: () => [...queryKeys.invoices.all, 'list'] as const,
  },
  loginLinks: {
    all: ['login-links'] as const,
    // The secret sits in the key only in memory, and only until the cache is cleared at
    // sign-in; the link pages keep no other copy.
    oneClickPreview: (userId: number, hash: string) =>
      [...queryKeys.loginLinks.all, 'one-click-preview', { userId, hash }] as const,
    loginTokenPreview: (token: string) =>
      [...queryKeys.loginLinks.all, 'login-token-preview', { token }] as const,
  },
  loginTokens: {
    all: ['login-tokens'] as const,
    list: (filters: { query: string; state: string }) =>
      [...queryKeys.loginTokens.all, 'list', filters] as const,
    details: (id: number) => [...queryKeys.loginTokens.all, 'details', id] as const,
    subjects: (search: string) => [...queryKeys.loginTokens.all, 'subjects', { search }] as const,
  },
  apiKeys: {
    all: ['api-keys'] as const,
    list: () => [...queryKeys.apiKeys.all, 'list'] as const,
  },
  organizations: {
    all: ['organizations'] as const,
    search: (search: string) => [...queryKeys.organizations.all, 'search', { search }] as const,
  },
  audit: {
    all: ['audit'] as const,
    events: (scope: 'sys' | 'team', filters: object) =>
      [...queryKeys.audit.all, scope, 'events', filters] as const,
    verification: () => [...queryKeys.audit.all, 'sys', 'verification'] as const,
    impersonation: (scope: 'sys' | 'team', id: string) =>
      [...queryKeys.audit.all, scope, 'impersonation', id] as const,
  },
  outbox: {
    all: ['outbox'] as const,
    list: (to: string) => [...queryKeys.outbox.all, 'list', { to }] as const,
  },
  settings: {
    all: ['settings'] as const,
    global: () => [...queryKeys.settings.all, 'global'] as const,
  },
};
