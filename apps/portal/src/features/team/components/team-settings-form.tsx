import type { TeamSettings } from '@onbehalf/contracts/team';
import { type FormEvent, useId, useState } from 'react';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { useTeamSettings } from '../api/get-team-settings.ts';
import { useUpdateTeamSettings } from '../api/update-team-settings.ts';

const MIN_MINUTES = 5;
const MAX_MINUTES = 60;

/**
 * The owner's switches: the team door (on or off, for how long at most), self-service links,
 * and whether integrations may be given a way to sign members in.
 */
export function TeamSettingsForm() {
  const settings = useTeamSettings();

  if (settings.isPending) return <LoadingStatus label="Loading team settings…" />;
  if (settings.isError) {
    return (
      <ErrorAlert
        title="Team settings could not be loaded."
        error={settings.error}
        onRetry={() => void settings.refetch()}
      />
    );
  }
  return <SettingsForm saved={settings.data} />;
}

/** Starts from the saved values; after a save it shows what the server kept. */
function SettingsForm({ saved }: { saved: TeamSettings }) {
  const enabledId = useId();
  const selfServiceId = useId();
  const integrationsId = useId();
  const integrationsHintId = useId();
  const minutesId = useId();
  const minutesHintId = useId();
  const [enabled, setEnabled] = useState(saved.impersonationEnabled);
  const [selfService, setSelfService] = useState(saved.selfServiceLinksEnabled);
  const [integrations, setIntegrations] = useState(saved.integrationsEnabled);
  const [minutes, setMinutes] = useState(String(saved.impersonationMaxMinutes));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const update = useUpdateTeamSettings();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const value = Number(minutes);
    if (!Number.isInteger(value) || value < MIN_MINUTES || value > MAX_MINUTES) {
      setInvalid(`Choose a whole number of minutes from ${MIN_MINUTES} to ${MAX_MINUTES}.`);
      return;
    }
    setInvalid(null);
    update.mutate(
      {
        impersonationEnabled: enabled,
        impersonationMaxMinutes: value,
        selfServiceLinksEnabled: selfService,
        integrationsEnabled: integrations,
      },
      {
        onSuccess: (kept) => {
          setEnabled(kept.impersonationEnabled);
          setSelfService(kept.selfServiceLinksEnabled);
          setIntegrations(kept.integrationsEnabled);
          setMinutes(String(kept.impersonationMaxMinutes));
          setDone('Settings saved.');
        },
      },
    );
  }

  const error = invalid ?? (update.isError ? update.error.message : null);

  return (
    <form className="form" noValidate onSubmit={handleSubmit}>
      <div className="check">
        <input
          id={enabledId}
          type="checkbox"
          className="checkbox"
          checked={enabled}
          onChange={(event) => setEnabled(event.target.checked)}
        />
        <label htmlFor={enabledId}>Allow team admins to sign in as members</label>
      </div>
      <div className="field field--narrow">
        <label htmlFor={minutesId}>Maximum impersonation minutes</label>
        <input
          id={minutesId}
          type="number"
          inputMode="numeric"
          min={MIN_MINUTES}
          max={MAX_MINUTES}
          step={1}
          required
          aria-describedby={minutesHintId}
          aria-invalid={invalid ? true : undefined}
          value={minutes}
          onChange={(event) => setMinutes(event.target.value)}
        />
        <span id={minutesHintId} className="hint">
          From {MIN_MINUTES} to {MAX_MINUTES}. A lower limit also shortens the impersonations
          running now; a higher one does not lengthen them.
        </span>
      </div>
      <div className="check">
        <input
          id={selfServiceId}
          type="checkbox"
          className="checkbox"
          checked={selfService}
          onChange={(event) => setSelfService(event.target.checked)}
        />
        <label htmlFor={selfServiceId}>Allow members to email themselves a sign-in link</label>
      </div>
      <div className="check">
        <input
          id={integrationsId}
          type="checkbox"
          className="checkbox"
          aria-describedby={integrationsHintId}
          checked={integrations}
          onChange={(event) => setIntegrations(event.target.checked)}
        />
        <label htmlFor={integrationsId}>Allow integrations</label>
        <span id={integrationsHintId} className="hint">
          Systems such as a punch-out catalogue may then be given login tokens that sign members in,
          never admins or owners. Switching this off stops the ones given already.
        </span>
      </div>
      <div>
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          Save settings
        </button>
      </div>
      <p role="status" className="form-status">
        {done}
      </p>
      {error ? (
        <div role="alert" className="alert alert--error">
          {error}
        </div>
      ) : null}
    </form>
  );
}
