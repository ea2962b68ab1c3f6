import { createBrowserRouter } from 'react-router';
import { FullPageStatus } from '../components/ui/status.tsx';
import { RouteError } from './routes/route-error.tsx';

// Every page is its own chunk, loaded on first visit; the first bundle is React, the router,
// the query cache and this table. Sign-in too: it asks the server who is signed in, so it
// brings the API client and, through the route table, every contract's zod schema (about a
// fifth of the portal's JS), which no page needs before its own chunk arrives. Meanwhile the
// page shows the fallback below, never a half-drawn page.
export const router = createBrowserRouter([
  {
    id: 'root',
    HydrateFallback: () => <FullPageStatus label="Loading…" />,
    ErrorBoundary: RouteError,
    children: [
      {
        path: 'sign-in',
        lazy: async () => ({ Component: (await import('./routes/sign-in.tsx')).SignInRoute }),
      },
      {
        path: 'select-profile',
        lazy: async () => ({
          Component: (await import('./routes/select-profile.tsx')).SelectProfileRoute,
        }),
      },
      // Sign-in links: public, and only Continue redeems them. `/one-click` alone is what a
      // reload shows once the secret has left the address bar.
      {
        path: 'one-click/:userId/:hash',
        lazy: async () => ({ Component: (await import('./routes/one-click.tsx')).OneClickRoute }),
      },
      {
        path: 'one-click',
        lazy: async () => ({ Component: (await import('./routes/one-click.tsx')).OneClickRoute }),
      },
      {
        path: 'login',
        lazy: async () => ({
          Component: (await import('./routes/login-token.tsx')).LoginTokenRoute,
        }),
      },
      {
        lazy: async () => ({ Component: (await import('./routes/app-layout.tsx')).AppLayoutRoute }),
        children: [
          {
            index: true,
            lazy: async () => ({
              Component: (await import('./routes/dashboard.tsx')).DashboardRoute,
            }),
          },
          {
            path: 'team',
            lazy: async () => ({ Component: (await import('./routes/team.tsx')).TeamRoute }),
          },
          {
            path: 'admin/users',
            lazy: async () => ({
              Component: (await import('./routes/admin-users.tsx')).AdminUsersRoute,
            }),
          },
          {
            path: 'account',
            lazy: async () => ({ Component: (await import('./routes/account.tsx')).AccountRoute }),
          },
          {
            path: 'admin/login-tokens',
            lazy: async () => ({
              Component: (await import('./routes/admin-login-tokens.tsx')).AdminLoginTokensRoute,
            }),
          },
          {
            path: 'admin/login-tokens/:id',
            lazy: async () => ({
              Component: (await import('./routes/admin-login-token-details.tsx'))
                .AdminLoginTokenDetailsRoute,
            }),
          },
          {
            path: 'admin/api-keys',
            lazy: async () => ({
              Component: (await import('./routes/admin-api-keys.tsx')).AdminApiKeysRoute,
            }),
          },
          {
            path: 'admin/audit',
            lazy: async () => ({
              Component: (await import('./routes/admin-audit.tsx')).AdminAuditRoute,
            }),
          },
          {
            path: 'admin/impersonations/:id',
            lazy: async () => ({
              Component: (await import('./routes/impersonation-report.tsx'))
                .AdminImpersonationRoute,
            }),
          },
          {
            path: 'team/audit',
            lazy: async () => ({
              Component: (await import('./routes/team-audit.tsx')).TeamAuditRoute,
            }),
          },
          {
            path: 'team/impersonations/:id',
            lazy: async () => ({
              Component: (await import('./routes/impersonation-report.tsx')).TeamImpersonationRoute,
            }),
          },
          {
            path: 'admin/outbox',
            lazy: async () => ({
              Component: (await import('./routes/admin-outbox.tsx')).AdminOutboxRoute,
            }),
          },
          {
            path: 'admin/settings',
            lazy: async () => ({
              Component: (await import('./routes/admin-settings.tsx')).AdminSettingsRoute,
            }),
          },
        ],
      },
      {
        path: '*',
        lazy: async () => ({ Component: (await import('./routes/not-found.tsx')).NotFoundRoute }),
      },
    ],
  },
]);
