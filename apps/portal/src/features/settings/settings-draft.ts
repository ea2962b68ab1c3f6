import type { GlobalSettings } from '@onbehalf/contracts/users';

/** The limits the server enforces (contracts' `globalSettings`), said before it has to. */
export const limits = {
  operatorMaxMinutes: { min: 5, max: 60 },
  oneClickMinutes: { min: 1, max: 1440 },
  loginTokenMaxDays: { min: 1, max: 366 },
} as const;

/**
 * The sections this form edits. A save sends only these (the PUT takes any subset), so a
 * section added to the settings later is never overwritten by a form that does not show it.
 */
export type EditedSettings = Pick<
  GlobalSettings,
  'operatorImpersonation' | 'oneClick' | 'loginTokens' | 'selfServiceLinks'
>;

/** The form as typed: numbers stay text until saved, so a half-typed value is not lost. */
export interface SettingsDraft {
  operatorEnabled: boolean;
  operatorMaxMinutes: string;
  oneClickDefaultMinutes: string;
  oneClickMaxMinutes: string;
  loginTokenMaxDays: string;
  selfServiceLinksEnabled: boolean;
}

/** The fields typed as text, which can be wrong. */
export type SettingsField = Exclude<
  keyof SettingsDraft,
  'operatorEnabled' | 'selfServiceLinksEnabled'
>;

export type SettingsErrors = Partial<Record<SettingsField, string>>;

export function draftFromSettings(settings: EditedSettings): SettingsDraft {
  return {
    operatorEnabled: settings.operatorImpersonation.enabled,
    operatorMaxMinutes: String(settings.operatorImpersonation.maxMinutes),
    oneClickDefaultMinutes: String(settings.oneClick.defaultMinutes),
    oneClickMaxMinutes: String(settings.oneClick.maxMinutes),
    loginTokenMaxDays: String(settings.loginTokens.maxDays),
    selfServiceLinksEnabled: settings.selfServiceLinks.enabled,
  };
}

function wholeNumberIn(value: string, { min, max }: { min: number; max: number }) {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : undefined;
}

/** The draft as settings to save, or what is wrong with each field. */
export function readSettingsDraft(
  draft: SettingsDraft,
):
  | { settings: EditedSettings; errors?: undefined }
  | { settings?: undefined; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const { operatorMaxMinutes: op, oneClickMinutes: oc, loginTokenMaxDays: lt } = limits;

  const operatorMaxMinutes = wholeNumberIn(draft.operatorMaxMinutes, op);
  if (operatorMaxMinutes === undefined) {
    errors.operatorMaxMinutes = `Choose a whole number of minutes from ${op.min} to ${op.max}.`;
  }
  const defaultMinutes = wholeNumberIn(draft.oneClickDefaultMinutes, oc);
  if (defaultMinutes === undefined) {
    errors.oneClickDefaultMinutes = `Choose a whole number of minutes from ${oc.min} to ${oc.max}.`;
  }
  const maxMinutes = wholeNumberIn(draft.oneClickMaxMinutes, oc);
  if (maxMinutes === undefined) {
    errors.oneClickMaxMinutes = `Choose a whole number of minutes from ${oc.min} to ${oc.max}.`;
  }
  if (defaultMinutes !== undefined && maxMinutes !== undefined && defaultMinutes > maxMinutes) {
    errors.oneClickDefaultMinutes = 'The default lifetime cannot be longer than the maximum.';
  }
  const maxDays = wholeNumberIn(draft.loginTokenMaxDays, lt);
  if (maxDays === undefined) {
    errors.loginTokenMaxDays = `Choose a whole number of days from ${lt.min} to ${lt.max}.`;
  }

  if (
    operatorMaxMinutes === undefined ||
    defaultMinutes === undefined ||
    maxMinutes === undefined ||
    maxDays === undefined ||
    Object.keys(errors).length > 0
  ) {
    return { errors };
  }
  return {
    settings: {
      operatorImpersonation: { enabled: draft.operatorEnabled, maxMinutes: operatorMaxMinutes },
      oneClick: { defaultMinutes, maxMinutes },
      loginTokens: { maxDays },
      selfServiceLinks: { enabled: draft.selfServiceLinksEnabled },
    },
  };
}
