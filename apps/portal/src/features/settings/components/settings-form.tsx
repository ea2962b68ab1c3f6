import type { GlobalSettings } from '@onbehalf/contracts/users';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { useSettings } from '../api/get-settings.ts';
import { useUpdateSettings } from '../api/update-settings.ts';
import {
  draftFromSettings,
  limits,
  readSettingsDraft,
  type SettingsDraft,
  type SettingsErrors,
  type SettingsField,
} from '../settings-draft.ts';

/**
 * The global switches and limits: the operator door, one-click links, login tokens, and
 * sign-in links by email.
 */
export function SettingsForm() {
  const settings = useSettings();

  if (settings.isPending) return <LoadingStatus label="Loading settings…" />;
  if (settings.isError) {
    return (
      <ErrorAlert
        title="Settings could not be loaded."
        error={settings.error}
        onRetry={() => void settings.refetch()}
      />
    );
  }
  return <Form saved={settings.data} />;
}

const fieldOrder: SettingsField[] = [
  'operatorMaxMinutes',
  'oneClickDefaultMinutes',
  'oneClickMaxMinutes',
  'loginTokenMaxDays',
];

/** Starts from the saved values; after a save it shows what the server kept. */
function Form({ saved }: { saved: GlobalSettings }) {
  const idPrefix = useId();
  const [draft, setDraft] = useState<SettingsDraft>(() => draftFromSettings(saved));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const update = useUpdateSettings();
  const id = (field: keyof SettingsDraft) => `${idPrefix}-${field}`;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const read = readSettingsDraft(draft);
    if (read.errors) {
      setErrors(read.errors);
      const first = fieldOrder.find((field) => read.errors[field]);
      if (first) document.getElementById(id(first))?.focus();
      return;
    }
    setErrors({});
    update.mutate(read.settings, {
      onSuccess: (kept) => {
        setDraft(draftFromSettings(kept));
        setDone('Settings saved.');
      },
    });
  }

  const numberField = (
    field: SettingsField,
    label: string,
    range: { min: number; max: number },
    hint: ReactNode,
  ) => {
    const hintId = `${id(field)}-hint`;
    const errorId = `${id(field)}-error`;
    return (
      <div className="field settings-field">
        <label htmlFor={id(field)}>{label}</label>
        <input
          id={id(field)}
          type="number"
          inputMode="numeric"
          min={range.min}
          max={range.max}
          step={1}
          required
          aria-describedby={errors[field] ? `${errorId} ${hintId}` : hintId}
          aria-invalid={errors[field] ? true : undefined}
          value={draft[field]}
          onChange={(event) => setDraft((d) => ({ ...d, [field]: event.target.value }))}
        />
        <span id={hintId} className="hint">
          {hint}
        </span>
        {errors[field] ? (
          <p id={errorId} role="alert" className="field__error">
            {errors[field]}
          </p>
        ) : null}
      </div>
    );
  };

  const { operatorMaxMinutes: op, oneClickMinutes: oc, loginTokenMaxDays: lt } = limits;

  return (
    <form className="form" noValidate onSubmit={handleSubmit}>
      <fieldset className="fieldset">
        <legend>Operator impersonation</legend>
        <div className="check">
          <input
            id={id('operatorEnabled')}
            type="checkbox"
            className="checkbox"
            checked={draft.operatorEnabled}
            onChange={(event) => setDraft((d) => ({ ...d, operatorEnabled: event.target.checked }))}
          />
          <label htmlFor={id('operatorEnabled')}>Allow operators to impersonate users</label>
        </div>
        <p className="hint">
          Switching it off ends every running support impersonation at once. Team admins are
          governed by each organization's own setting.
        </p>
        {numberField(
          'operatorMaxMinutes',
          'Maximum impersonation minutes',
          op,
          `From ${op.min} to ${op.max}. A lower limit also shortens the operator impersonations running now; a higher one does not lengthen them.`,
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>One-click links</legend>
        {numberField(
          'oneClickDefaultMinutes',
          'Default lifetime (minutes)',
          oc,
          `For a link issued without a lifetime of its own. From ${oc.min} to ${oc.max}, and no more than the maximum.`,
        )}
        {numberField(
          'oneClickMaxMinutes',
          'Maximum lifetime (minutes)',
          oc,
          `The longest a link may be valid. From ${oc.min} to ${oc.max} (a day).`,
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Login tokens</legend>
        {numberField(
          'loginTokenMaxDays',
          'Maximum lifetime (days)',
          lt,
          `How far ahead a login token's expiry may be set. From ${lt.min} to ${lt.max}.`,
        )}
      </fieldset>
      <fieldset className="fieldset">
        <legend>Sign-in links by email</legend>
        <div className="check">
          <input
            id={id('selfServiceLinksEnabled')}
            type="checkbox"
            className="checkbox"
            aria-describedby={`${id('selfServiceLinksEnabled')}-hint`}
            checked={draft.selfServiceLinksEnabled}
            onChange={(event) =>
              setDraft((d) => ({ ...d, selfServiceLinksEnabled: event.target.checked }))
            }
          />
          <label htmlFor={id('selfServiceLinksEnabled')}>
            Allow people to email themselves a sign-in link
          </label>
        </div>
        <p id={`${id('selfServiceLinksEnabled')}-hint`} className="hint">
          “Email me a sign-in link” on the sign-in page, for active customers. The link lasts the
          one-click default lifetime. An organization can still switch it off for its own people.
        </p>
      </fieldset>
      <div>
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          Save settings
        </button>
      </div>
      <p role="status" className="form-status">
        {update.isPending ? 'Saving…' : done}
      </p>
      {update.isError ? (
        <div role="alert" className="alert alert--error">
          {update.error.message}
        </div>
      ) : null}
    </form>
  );
}
