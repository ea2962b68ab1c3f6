import type { AppDeps } from './app-env.ts';
import {
  runSelfServiceLinkJob,
  SELF_SERVICE_LINK_JOB,
} from './features/one-click/email-links.service.ts';

/**
 * Starts this process's job runner (`deps.background`, lib/jobs.ts) with what runs each kind of
 * job, bound to `deps`, and returns `deps`. Jobs written before the start, by this process
 * before a restart or by another process, are run too.
 */
export function withJobsRunning<D extends AppDeps>(deps: D): D {
  deps.background.start({
    [SELF_SERVICE_LINK_JOB]: (payload) => runSelfServiceLinkJob(deps, payload),
  });
  return deps;
}
