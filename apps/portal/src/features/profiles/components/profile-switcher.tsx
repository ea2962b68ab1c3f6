import { useId } from 'react';
import { useOwnProfiles } from '../../../lib/auth/own-profiles.ts';
import { useSwitchProfile } from '../api/switch-profile.ts';

interface ProfileSwitcherProps {
  activeProfileId: number | null;
  onSwitched: () => void;
}

/** The header's "Active profile" select; shown only to people with more than one profile. */
export function ProfileSwitcher({ activeProfileId, onSwitched }: ProfileSwitcherProps) {
  const id = useId();
  // The list is the same person's own profiles, so keeping it on screen while it reloads
  // after a switch shows nothing of another identity, and spares the select a flicker.
  const profiles = useOwnProfiles({ keepPrevious: true });
  const switchProfile = useSwitchProfile();

  if (!profiles.data || profiles.data.length < 2) return null;

  return (
    <div className="profile-switcher">
      <label htmlFor={id}>Active profile</label>
      <select
        id={id}
        value={activeProfileId ?? ''}
        disabled={switchProfile.isPending}
        onChange={(event) =>
          switchProfile.mutate(Number(event.target.value), { onSuccess: onSwitched })
        }
      >
        {activeProfileId === null ? (
          <option value="" disabled>
            Choose…
          </option>
        ) : null}
        {profiles.data.map((profile) => (
          <option key={profile.Id} value={profile.Id}>
            {profile.OrganizationName}
          </option>
        ))}
      </select>
      {switchProfile.isError ? (
        <span role="alert" className="header-alert">
          {switchProfile.error.message}
        </span>
      ) : null}
    </div>
  );
}
