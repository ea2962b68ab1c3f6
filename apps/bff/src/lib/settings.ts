import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { MAX_IMPERSONATION_MINUTES } from '../domain/impersonation/policy.ts';
import type { Queryable } from '../store/sqlite/client.ts';
import { settings } from '../store/sqlite/schema/settings.ts';

/** Every global setting: its key, shape and safe default (off). */
export const settingDefinitions = {
  'impersonation.operator': {
    schema: z.object({
      enabled: z.boolean(),
      maxMinutes: z.number().int().min(5).max(MAX_IMPERSONATION_MINUTES),
    }),
    defaults: { enabled: false, maxMinutes: MAX_IMPERSONATION_MINUTES },
  },
  one_click: {
    schema: z.object({
      defaultMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
      maxMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
    }),
    defaults: { defaultMinutes: 15, maxMinutes: 60 },
  },
  self_service_links: {
    schema: z.object({ enabled: z.boolean() }),
    defaults: { enabled: true },
  },
  login_tokens: {
    schema: z.object({ maxDays: z.number().int().min(1).max(366) }),
    defaults: { maxDays: 90 },
  },
} as const;

export type SettingKey = keyof typeof settingDefinitions;
export type SettingValue<K extends SettingKey> = z.infer<(typeof settingDefinitions)[K]['schema']>;

export function readSetting<K extends SettingKey>(db: Queryable, key: K): SettingValue<K> {
  const definition = settingDefinitions[key];
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  const parsed = definition.schema.safeParse(row?.value);
  return (parsed.success ? parsed.data : definition.defaults) as SettingValue<K>;
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
