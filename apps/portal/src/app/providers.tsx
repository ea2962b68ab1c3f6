import type { Session } from '@onbehalf/contracts/auth';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { tabs } from '../lib/auth/other-tabs.ts';
import { noticeState } from '../lib/notice.ts';
import { createQueryClient } from '../lib/query-client.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { readShownSessionFrom } from '../lib/shown-session.ts';
import { router } from './router.tsx';

let ending = false;
let catchingUp = false;

const queryClient = createQueryClient({
  // A 401 after being signed in means the session ended (expired, revoked, signed out
  // elsewhere). Forget everything cached for that identity and ask for a new sign-in.
  onSessionEnded: () => {
    // Already on the sign-in page (e.g. it found a stale cookie): nothing to leave. A sign-in
    // link's page neither: a stale cookie must not chase its visitor away from Continue.
    const path = router.state.location.pathname;
    if (ending || path === '/sign-in' || path === '/login' || path.startsWith('/one-click')) {
      return;
    }
    ending = true;
    queryClient.clear();
    // Back to the page and search it was on, once signed in again (sign-in checks `next`).
    const { search } = router.state.location;
    const next = path === '/' && !search ? '' : `&next=${encodeURIComponent(`${path}${search}`)}`;
    void router.navigate(`/sign-in?reason=expired${next}`, { replace: true }).finally(() => {
      ending = false;
    });
  },
  // Another tab changed who is signed in here, and a write from this one was refused rather
  // than done in that name. Nothing cached for the session this tab showed may stay: load the
  // one the cookie holds now and start from its dashboard, saying why.
  onSessionChanged: (message) => {
    if (catchingUp) return;
    catchingUp = true;
    // At once, whatever comes next: even if the module below cannot be loaded (a deploy took
    // its chunk away), the dashboard then reads everything afresh, as the cookie's session.
    queryClient.clear();
    // Loaded here, not imported above: the session's module brings the API client, the route
    // table and zod, which the first chunk leaves to the pages (each loads them on demand).
    void import('../lib/auth/session.ts')
      .then(({ startFreshSession }) => startFreshSession(queryClient))
      // A failed reload shows its own error on the dashboard; go there all the same.
      .catch(() => null)
      .then(() => router.navigate('/', { replace: true, state: noticeState(message) }))
      .finally(() => {
        catchingUp = false;
      });
  },
});

// Another tab changed who is signed in (the cookies are shared): read the session again now.
tabs.listen(() => void queryClient.invalidateQueries({ queryKey: queryKeys.auth.session() }));

// Every request says which session this tab shows, as the session query holds it.
readShownSessionFrom(() => queryClient.getQueryData<Session | null>(queryKeys.auth.session())?.id);

export function AppProviders({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
