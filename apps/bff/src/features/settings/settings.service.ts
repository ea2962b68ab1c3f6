import type { GlobalSettings, UpdateGlobalSettingsBody } from '@onbehalf/contracts/users';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { endImpersonation, shortenImpersonations } from '../../lib/impersonation-lifecycle.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { readSetting, writeSetting } from '../../lib/settings.ts';
import { impersonations } from '../../store/sqlite/schema/impersonations.ts';

export function globalSettingsOf(deps: AppDeps): GlobalSettings {
  return {
    operatorImpersonation: readSetting(deps.db, 'impersonation.operator'),
    oneClick: readSetting(deps.db, 'one_click'),
    loginTokens: readSetting(deps.db, 'login_tokens'),
    selfServiceLinks: readSetting(deps.db, 'self_service_links'),
  };
}

/** Operators with settings:manage change the global switches; every change is audited. */
export function updateGlobalSettings(
  deps: AppDeps,
  auth: AuthContext,
  changes: UpdateGlobalSettingsBody,
  meta: RequestMeta,
): GlobalSettings {
  const before = globalSettingsOf(deps);
  const next: GlobalSettings = { ...before, ...changes };
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    writeSetting(tx, 'impersonation.operator', next.operatorImpersonation, now);
    writeSetting(tx, 'one_click', next.oneClick, now);
    writeSetting(tx, 'login_tokens', next.loginTokens, now);
    writeSetting(tx, 'self_service_links', next.selfServiceLinks, now);
    if (before.operatorImpersonation.enabled && !next.operatorImpersonation.enabled) {
      const running = tx
        .select()
        .from(impersonations)
        .where(and(eq(impersonations.door, 'operator'), isNull(impersonations.endedAt)))
        .all();
      for (const row of running) endImpersonation(tx, row, 'setting_disabled', now, meta);
    }
    const maxMinutes = next.operatorImpersonation.maxMinutes;
    if (maxMinutes < before.operatorImpersonation.maxMinutes) {
      shortenImpersonations(tx, eq(impersonations.door, 'operator'), maxMinutes);
    }
    recordAudit(
      tx,
      {
        type: 'settings.changed',
        at: now,
        ...auditParty(auth),
        details: { scope: 'global', before, after: next },
      },
      meta,
    );
  });
  return next;
}
