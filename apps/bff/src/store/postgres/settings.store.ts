import { isDeepStrictEqual } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import type { SettingsStore } from '../../features/settings/settings.store.ts';
import { globalSettingsFrom, settingKeys } from '../../lib/settings.ts';
import { appendAudit } from './audit.ts';
import { type PgDb, transaction } from './client.ts';
import { endWhere, shortenImpersonations } from './impersonations.ts';
import { impersonations, settings } from './schema.ts';

async function readAll(db: PgDb) {
  const rows = await db.select().from(settings);
  return globalSettingsFrom(new Map(rows.map((r) => [r.key, r.value])));
}

export function postgresSettings(db: PgDb, auditKey: Buffer): SettingsStore {
  return {
    async read() {
      return readAll(db);
    },
    async update({ before, next, endOperatorImpersonations, shortenOperatorTo, audit, now, meta }) {
      return transaction(db, async (tx) => {
        // One change of the settings at a time, from every process (reads are not held up);
        // read again under it, so that what a concurrent change wrote is not written over.
        await tx.execute(sql`LOCK TABLE ${settings} IN SHARE ROW EXCLUSIVE MODE`);
        if (!isDeepStrictEqual(await readAll(tx), before)) return 'lost_race' as const;
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
        return 'done' as const;
      });
    },
  };
}
