import { describe, expect, it } from 'vitest';
import { draftFromSettings, type EditedSettings, readSettingsDraft } from './settings-draft.ts';

const saved: EditedSettings = {
  operatorImpersonation: { enabled: true, maxMinutes: 30 },
  oneClick: { defaultMinutes: 15, maxMinutes: 60 },
  loginTokens: { maxDays: 30 },
  selfServiceLinks: { enabled: true },
};

describe('readSettingsDraft', () => {
  it('gives back the saved settings unchanged', () => {
    expect(readSettingsDraft(draftFromSettings(saved))).toEqual({ settings: saved });
  });

  it('sends only the sections it edits, so it never overwrites one it does not show', () => {
    const full = { ...saved, addedLater: { enabled: true } };
    expect(readSettingsDraft(draftFromSettings(full)).settings).toEqual(saved);
  });

  it('refuses values out of range, fractions and empty fields, field by field', () => {
    const { errors } = readSettingsDraft({
      operatorEnabled: false,
      operatorMaxMinutes: '61',
      oneClickDefaultMinutes: '',
      oneClickMaxMinutes: '1.5',
      loginTokenMaxDays: '0',
      selfServiceLinksEnabled: true,
    });
    expect(errors).toEqual({
      operatorMaxMinutes: 'Choose a whole number of minutes from 5 to 60.',
      oneClickDefaultMinutes: 'Choose a whole number of minutes from 1 to 1440.',
      oneClickMaxMinutes: 'Choose a whole number of minutes from 1 to 1440.',
      loginTokenMaxDays: 'Choose a whole number of days from 1 to 366.',
    });
  });

  it('refuses a default one-click lifetime longer than the maximum', () => {
    const draft = { ...draftFromSettings(saved), oneClickDefaultMinutes: '90' };
    expect(readSettingsDraft(draft).errors).toEqual({
      oneClickDefaultMinutes: 'The default lifetime cannot be longer than the maximum.',
    });
  });

  it('accepts the limits themselves', () => {
    const draft = {
      operatorEnabled: false,
      operatorMaxMinutes: '5',
      oneClickDefaultMinutes: '1440',
      oneClickMaxMinutes: '1440',
      loginTokenMaxDays: '366',
      selfServiceLinksEnabled: false,
    };
    expect(readSettingsDraft(draft).settings).toEqual({
      operatorImpersonation: { enabled: false, maxMinutes: 5 },
      oneClick: { defaultMinutes: 1440, maxMinutes: 1440 },
      loginTokens: { maxDays: 366 },
      selfServiceLinks: { enabled: false },
    });
  });
});
