import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { createQueryClient } from '../lib/query-client.ts';
import { router } from './router.tsx';

let ending = false;

// A 401 after being signed in means the session ended (expired, revoked, signed out
// elsewhere). Forget everything cached for that identity and ask for a new sign-in.
const queryClient = createQueryClient({
  onSessionEnded: () => {
    // Already on the sign-in page (e.g. it found a stale cookie): nothing to leave. A sign-in
    // link's page neither: a stale cookie must not chase its visitor away from Continue.
    const path = router.state.location.pathname;
    if (ending || path === '/sign-in' || path === '/login' || path.startsWith('/one-click')) {
      return;
    }
    ending = true;
    queryClient.clear();
    void router.navigate('/sign-in?reason=expired', { replace: true }).finally(() => {
      ending = false;
    });
  },
});

export function AppProviders({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
