import { eq } from 'drizzle-orm';
import type { SettingsStore } from '../../features/settings/settings.store.ts';
import { globalSettingsFrom, settingKeys } from '../../lib/settings.ts';
import { appendAudit } from './audit.ts';
import { type PgDb, transaction } from './client.ts';
import { endWhere, shortenImpersonations } from './impersonations.ts';
import { impersonations, settings } from './schema.ts';

export function postgresSettings(db: PgDb, auditKey: Buffer): SettingsStore {
  return {
    async read() {
      const rows = await db.select().from(settings);
      return globalSettingsFrom(new Map(rows.map((r) => [r.key, r.value])));
    },
    async update({ next, endOperatorImpersonations, shortenOperatorTo, audit, now, meta }) {
      await transaction(db, async (tx) => {
        for (const [part, key] of Object.entries(settingKeys)) {
          const value = next[part as keyof typeof settingKeys];
          await tx
            .insert(settings)
            .values({ key, value, updatedAt: now })
            .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } });
        }
        const operatorDoor = eq(impersonations.door, 'operator');
        if (endOperatorImpersonations) {
          await endWhere(tx, auditKey, operatorDoor, 'setting_disabled', now, meta);
        }
        if (shortenOperatorTo !== null) {
          await shortenImpersonations(tx, operatorDoor, shortenOperatorTo);
        }
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
  };
}
