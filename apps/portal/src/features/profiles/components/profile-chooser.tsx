import { ErrorAlert, LoadingStatus } from '../../../components/ui/status.tsx';
import { useOwnProfiles } from '../../../lib/auth/own-profiles.ts';
import { useSwitchProfile } from '../api/switch-profile.ts';

interface ProfileChooserProps {
  onChosen: () => void;
}

/** One button per own profile; the accessible name starts with the organization's name. */
export function ProfileChooser({ onChosen }: ProfileChooserProps) {
  const profiles = useOwnProfiles();
  const switchProfile = useSwitchProfile();

  if (profiles.isPending) return <LoadingStatus label="Loading your profiles…" />;
  if (profiles.isError) {
    return (
      <ErrorAlert
        title="Your profiles could not be loaded."
        error={profiles.error}
        onRetry={() => void profiles.refetch()}
      />
    );
  }
  if (profiles.data.length === 0) {
    return <p className="empty">You have no profiles yet. Ask your organization's admin.</p>;
  }

  return (
    <>
      {switchProfile.isError ? (
        <div role="alert" className="alert alert--error">
          {switchProfile.error.message}
        </div>
      ) : null}
      <ul className="choice-list">
        {profiles.data.map((profile) => (
          <li key={profile.Id}>
            <button
              type="button"
              className="choice"
              disabled={switchProfile.isPending}
              // The current profile needs no new session: carry on with it.
              onClick={() =>
                profile.IsCurrent
                  ? onChosen()
                  : switchProfile.mutate(profile.Id, { onSuccess: onChosen })
              }
            >
              <span className="choice__title">{profile.OrganizationName}</span>
              <span className="choice__meta">
                {' — '}
                {profile.Type} · {profile.Role}
                {profile.IsCurrent ? ' (current)' : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
