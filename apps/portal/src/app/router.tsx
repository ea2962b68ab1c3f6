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
        ],
      },
      {
        path: '*',
        lazy: async () => ({ Component: (await import('./routes/not-found.tsx')).NotFoundRoute }),
      },
    ],
  },
]);
