import { createBrowserRouter } from 'react-router';
import { FullPageStatus } from '../components/ui/status.tsx';
import { RouteError } from './routes/route-error.tsx';
import { SignInRoute } from './routes/sign-in.tsx';

// Sign-in ships in the first bundle (it is where most visits start); every other page is
// its own chunk, loaded on first visit.
export const router = createBrowserRouter([
  {
    id: 'root',
    HydrateFallback: () => <FullPageStatus label="Loading…" />,
    ErrorBoundary: RouteError,
    children: [
      { path: 'sign-in', Component: SignInRoute },
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
