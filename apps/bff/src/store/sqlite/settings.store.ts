import { isDeepStrictEqual } from 'node:util';
import { and, eq, isNull } from 'drizzle-orm';
import type { SettingsStore } from '../../features/settings/settings.store.ts';
import {
  globalSettingsFrom,
  type SettingKey,
  type SettingValue,
  settingKeys,
  settingOrDefault,
} from '../../lib/settings.ts';
import { recordAudit } from './audit.ts';
import type { Db, Queryable } from './client.ts';
import { endImpersonation, shortenImpersonations } from './impersonations.ts';
import { impersonations } from './schema/impersonations.ts';
import { settings } from './schema/settings.ts';

/** One setting, read inside a SQLite transaction (the impersonation re-check reads it). */
export function readSetting<K extends SettingKey>(db: Queryable, key: K): SettingValue<K> {
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  return settingOrDefault(key, row?.value);
}

export function writeSetting<K extends SettingKey>(
  db: Queryable,
  key: K,
  value: SettingValue<K>,
  now: number,
): void {
  db.insert(settings)
    .values({ key, value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
    .run();
}

function readAll(db: Queryable) {
  const rows = db.select().from(settings).all();
  return globalSettingsFrom(new Map(rows.map((r) => [r.key, r.value])));
}

export function sqliteSettings(db: Db): SettingsStore {
  return {
    async read() {
      return readAll(db);
    },
    async update({ before, next, endOperatorImpersonations, shortenOperatorTo, audit, now, meta }) {
      return db.transaction((tx) => {
        // Read again inside the write: the settings a concurrent change wrote meanwhile are
        // not written over.
        if (!isDeepStrictEqual(readAll(tx), before)) return 'lost_race' as const;
        for (const [part, key] of Object.entries(settingKeys)) {
          writeSetting(tx, key, next[part as keyof typeof settingKeys], now);
        }
        const operatorDoor = eq(impersonations.door, 'operator');
        if (endOperatorImpersonations) {
          const running = tx
            .select()
            .from(impersonations)
            .where(and(operatorDoor, isNull(impersonations.endedAt)))
            .all();
          for (const row of running) endImpersonation(tx, row, 'setting_disabled', now, meta);
        }
        if (shortenOperatorTo !== null) shortenImpersonations(tx, operatorDoor, shortenOperatorTo);
        recordAudit(tx, audit, meta);
        return 'done' as const;
      });
    },
  };
}
