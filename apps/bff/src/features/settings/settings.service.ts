import type { GlobalSettings, UpdateGlobalSettingsBody } from '@onbehalf/contracts/users';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { auditParty } from '../../lib/audit-party.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { settingsChangedMeanwhile } from '../team/team.service.ts';

export function globalSettingsOf(deps: AppDeps): Promise<GlobalSettings> {
  return deps.store.settings.read();
}

/**
 * Operators with settings:manage change the global switches; every change is audited. Closing
 * the operator door ends the operator impersonations running now; a lower limit shortens them.
 */
export async function updateGlobalSettings(
  deps: AppDeps,
  auth: AuthContext,
  changes: UpdateGlobalSettingsBody,
  meta: RequestMeta,
): Promise<GlobalSettings> {
  const before = await deps.store.settings.read();
  const next: GlobalSettings = { ...before, ...changes };
  const now = deps.clock.now();
  const wasOpen = before.operatorImpersonation.enabled;
  const lowered = next.operatorImpersonation.maxMinutes < before.operatorImpersonation.maxMinutes;
  const outcome = await deps.store.settings.update({
    before,
    next,
    endOperatorImpersonations: wasOpen && !next.operatorImpersonation.enabled,
    shortenOperatorTo: lowered ? next.operatorImpersonation.maxMinutes : null,
    audit: {
      type: 'settings.changed',
      at: now,
      ...auditParty(auth),
      details: { scope: 'global', before, after: next },
    },
    now,
    meta,
  });
  // Written over, a door closed meanwhile would open again with no one having opened it.
  if (outcome === 'lost_race') throw settingsChangedMeanwhile();
  return next;
}
