import { Navigate, useNavigate } from 'react-router';
import { PlainLayout } from '../../components/layouts/plain-layout.tsx';
import { RequireSession } from '../../features/auth/components/require-session.tsx';
import { ProfileChooser } from '../../features/profiles/components/profile-chooser.tsx';
import { useDocumentTitle } from '../../lib/use-document-title.ts';

export function SelectProfileRoute() {
  useDocumentTitle('Choose a profile');
  const navigate = useNavigate();
  return (
    <RequireSession allowNeedsProfile>
      {(session) =>
        session.user?.kind !== 'customer' ? (
          <Navigate to="/" replace />
        ) : (
          <PlainLayout>
            <div className="card card--auth">
              <h1>Choose a profile</h1>
              <p className="muted">
                You belong to more than one organization. Choose the one to work in; you can switch
                later from the header.
              </p>
              <ProfileChooser onChosen={() => navigate('/', { replace: true })} />
            </div>
          </PlainLayout>
        )
      }
    </RequireSession>
  );
}
