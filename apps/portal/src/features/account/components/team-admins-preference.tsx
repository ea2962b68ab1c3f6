import { useId, useState } from 'react';
import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
// The profiles list is where the server reports the opt-out (`AllowTeamImpersonation`).
import { useOwnProfiles } from '../../../lib/auth/own-profiles.ts';
import { useSetImpersonationPreference } from '../api/set-impersonation-preference.ts';

/** The member's opt-out for the active profile: may team admins sign in as me? */
export function TeamAdminsPreference() {
  const id = useId();
  const hintId = useId();
  const profiles = useOwnProfiles();
  const save = useSetImpersonationPreference();
  const [saved, setSaved] = useState<string | null>(null);

  if (profiles.isPending) return <LoadingStatus label="Loading your preference…" />;
  if (profiles.isError) {
    return (
      <ErrorAlert
        title="Your preference could not be loaded."
        error={profiles.error}
        onRetry={() => void profiles.refetch()}
      />
    );
  }
  const current = profiles.data.find((p) => p.IsCurrent);
  if (!current) return <p className="empty">Choose a profile first.</p>;

  // While saving, show what was asked for; otherwise only ever what the server holds.
  const checked =
    save.isPending && save.variables !== undefined
      ? save.variables
      : current.AllowTeamImpersonation;

  return (
    <div className="form">
      <div className="check">
        <input
          id={id}
          type="checkbox"
          className="checkbox"
          checked={checked}
          disabled={save.isPending}
          aria-describedby={hintId}
          onChange={(event) => {
            setSaved(null);
            save.mutate(event.target.checked, { onSuccess: () => setSaved('Saved.') });
          }}
        />
        <label htmlFor={id}>Allow team admins to sign in as me</label>
      </div>
      <p id={hintId} className="hint">
        Applies to your {current.OrganizationName} profile. Support staff may still sign in as you
        to help; every such visit shows in your access history.
      </p>
      <p role="status" className="form-status">
        {saved}
      </p>
      {save.isError ? (
        <div role="alert" className="alert alert--error">
          {save.error.message}
        </div>
      ) : null}
    </div>
  );
}
