import type { CoworkerProfile } from '@onbehalf/contracts/profiles';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { PagedListView } from '../../components/ui/paged-list.tsx';
import { SearchForm } from '../../components/ui/search-form.tsx';
import { RequireSession } from '../../features/auth/components/require-session.tsx';
import { TeamImpersonationDialog } from '../../features/impersonation/components/team-impersonation-dialog.tsx';
import { useCoworkers } from '../../features/profiles/api/list-profiles.ts';
import { CoworkerList } from '../../features/profiles/components/coworker-list.tsx';
import { ProfileChooser } from '../../features/profiles/components/profile-chooser.tsx';
import { useHasCoworkers } from '../../lib/auth/own-profiles.ts';
import { actingForSomeone } from '../../lib/restrictions.ts';
import { afterProfileChoice } from '../../lib/safe-next.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSearchParam } from '../../lib/use-search-param.ts';

export function SelectProfileRoute() {
  useDocumentTitle('Choose a profile');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // Where the person was going when they were asked to sign in (or to choose a profile).
  const next = afterProfileChoice(params.get('next'));
  return (
    <RequireSession allowNeedsProfile>
      {(session) =>
        // Operators have no profiles; someone acting as another person keeps that profile, and
        // an integration's session stays in the one it was made for.
        session.user?.kind !== 'customer' || actingForSomeone(session) ? (
          <Navigate to={next} replace />
        ) : (
          <PlainLayout>
            <div className="card card--auth">
              <h1>Choose a profile</h1>
              <p className="muted">
                Choose the organization to work in; you can switch later from the header.
              </p>
              <ProfileChooser onChosen={() => navigate(next, { replace: true })} />
              <CoworkersSection />
            </div>
          </PlainLayout>
        )
      }
    </RequireSession>
  );
}

const coworkerNoun = { one: 'team member', other: 'team members' };

/** For a team admin: sign in on behalf of a coworker instead, found by name or email. */
function CoworkersSection() {
  const hasCoworkers = useHasCoworkers();
  // The chooser above already reports loading and errors of the caller's profiles.
  if (!hasCoworkers.data) return null;
  return <Coworkers />;
}

function Coworkers() {
  // The search lives in the address, so it survives a reload and the back button.
  const [search, setSearch] = useSearchParam();
  const coworkers = useCoworkers(search);
  const [chosen, setChosen] = useState<CoworkerProfile | null>(null);

  return (
    <section className="section--spaced" aria-labelledby="coworkers-heading">
      <h2 id="coworkers-heading">Sign in on behalf of a team member</h2>
      <p className="muted">
        See the portal exactly as they do, to help them. They can see that you did in their access
        history.
      </p>
      <SearchForm
        label="Search team members"
        placeholder="Name or email"
        search={search}
        onSearch={setSearch}
      />
      <PagedListView
        list={coworkers}
        noun={coworkerNoun}
        search={search}
        loadingLabel="Loading team members…"
        errorTitle="Team members could not be loaded."
        empty="No team members to sign in as."
      >
        {(rows) => <CoworkerList coworkers={rows} onSignInAs={setChosen} />}
      </PagedListView>
      {chosen ? (
        <TeamImpersonationDialog
          coworker={{ profileId: chosen.Id, name: chosen.Name }}
          onClose={() => setChosen(null)}
        />
      ) : null}
    </section>
  );
}
