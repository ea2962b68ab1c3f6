import type { GlobalSettings } from '@onbehalf/contracts/users';
import { z } from 'zod';
import { MAX_IMPERSONATION_MINUTES } from '../domain/impersonation/policy.ts';

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

/** A stored value, or the definition's default when it is missing or no longer valid. */
export function settingOrDefault<K extends SettingKey>(key: K, stored: unknown): SettingValue<K> {
  const definition = settingDefinitions[key];
  const parsed = definition.schema.safeParse(stored);
  return (parsed.success ? parsed.data : definition.defaults) as SettingValue<K>;
}

/** The API's view of the settings, and the key each part is stored under. */
export const settingKeys = {
  operatorImpersonation: 'impersonation.operator',
  oneClick: 'one_click',
  loginTokens: 'login_tokens',
  selfServiceLinks: 'self_service_links',
} as const satisfies Record<keyof GlobalSettings, SettingKey>;

/** The stored values, keyed by setting key, as the API describes them. */
export function globalSettingsFrom(stored: ReadonlyMap<string, unknown>): GlobalSettings {
  return {
    operatorImpersonation: settingOrDefault(
      'impersonation.operator',
      stored.get('impersonation.operator'),
    ),
    oneClick: settingOrDefault('one_click', stored.get('one_click')),
    loginTokens: settingOrDefault('login_tokens', stored.get('login_tokens')),
    selfServiceLinks: settingOrDefault('self_service_links', stored.get('self_service_links')),
  };
}
