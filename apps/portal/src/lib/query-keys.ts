/**
 * Every query key comes from here. Keys are hierarchical so a mutation can invalidate a
 * whole branch by its prefix (e.g. `queryKeys.orders.all`).
 */
export const queryKeys = {
  auth: {
    all: ['auth'] as const,
    session: () => [...queryKeys.auth.all, 'session'] as const,
    sessions: () => [...queryKeys.auth.all, 'sessions'] as const,
  },
  profiles: {
    all: ['profiles'] as const,
    list: () => [...queryKeys.profiles.all, 'list'] as const,
  },
  team: {
    all: ['team'] as const,
    members: () => [...queryKeys.team.all, 'members'] as const,
    settings: () => [...queryKeys.team.all, 'settings'] as const,
  },
  account: {
    all: ['account'] as const,
    accessHistory: () => [...queryKeys.account.all, 'access-history'] as const,
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
};
