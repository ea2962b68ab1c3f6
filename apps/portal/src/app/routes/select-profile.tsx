import type { CoworkerProfile } from '@onbehalf/contracts/profiles';
import { useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { RequireSession } from '../../features/auth/components/require-session.tsx';
import { TeamImpersonationDialog } from '../../features/impersonation/components/team-impersonation-dialog.tsx';
import { useCoworkers } from '../../features/profiles/api/list-profiles.ts';
import { CoworkerList } from '../../features/profiles/components/coworker-list.tsx';
import { ProfileChooser } from '../../features/profiles/components/profile-chooser.tsx';
import { actingForSomeone } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';

export function SelectProfileRoute() {
  useDocumentTitle('Choose a profile');
  const navigate = useNavigate();
  return (
    <RequireSession allowNeedsProfile>
      {(session) =>
        // Operators have no profiles; someone acting as another person keeps that profile, and
        // an integration's session stays in the one it was made for.
        session.user?.kind !== 'customer' || actingForSomeone(session) ? (
          <Navigate to="/" replace />
        ) : (
          <PlainLayout>
            <div className="card card--auth">
              <h1>Choose a profile</h1>
              <p className="muted">
                Choose the organization to work in; you can switch later from the header.
              </p>
              <ProfileChooser onChosen={() => navigate('/', { replace: true })} />
              <CoworkersSection />
            </div>
          </PlainLayout>
        )
      }
    </RequireSession>
  );
}

/** For a team admin: sign in on behalf of a coworker instead (loads with the same list). */
function CoworkersSection() {
  const coworkers = useCoworkers();
  const [chosen, setChosen] = useState<CoworkerProfile | null>(null);

  // The chooser above already reports loading and errors of this very list.
  if (!coworkers.data || coworkers.data.length === 0) return null;

  return (
    <section className="section--spaced" aria-labelledby="coworkers-heading">
      <h2 id="coworkers-heading">Sign in on behalf of a team member</h2>
      <p className="muted">
        See the portal exactly as they do, to help them. They can see that you did in their access
        history.
      </p>
      <CoworkerList coworkers={coworkers.data} onSignInAs={setChosen} />
      {chosen ? (
        <TeamImpersonationDialog
          coworker={{ profileId: chosen.Id, name: chosen.Name }}
          onClose={() => setChosen(null)}
        />
      ) : null}
    </section>
  );
}
