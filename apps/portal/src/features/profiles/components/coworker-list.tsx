import { impersonationBlockLabels } from '@onbehalf/contracts/impersonation';
import type { CoworkerProfile } from '@onbehalf/contracts/profiles';
import { useId } from 'react';

interface CoworkerListProps {
  coworkers: readonly CoworkerProfile[];
  onSignInAs: (coworker: CoworkerProfile) => void;
}

/** A team admin's coworkers, each with "Sign in as …" or the reason it is not offered. */
export function CoworkerList({ coworkers, onSignInAs }: CoworkerListProps) {
  const idPrefix = useId();
  return (
    <ul className="coworker-list">
      {coworkers.map((coworker) => {
        const reasonId = `${idPrefix}-reason-${coworker.Id}`;
        const reason =
          !coworker.CanImpersonate && coworker.ImpersonationBlockedReason
            ? impersonationBlockLabels[coworker.ImpersonationBlockedReason]
            : null;
        return (
          <li key={coworker.Id} className="coworker">
            <div className="coworker__who">
              <span className="coworker__name">{coworker.Name}</span>
              <span className="coworker__meta">
                {coworker.Email} · <span className="capitalize">{coworker.Role}</span>
              </span>
            </div>
            <div className="coworker__action">
              <button
                type="button"
                className="button button--small"
                disabled={!coworker.CanImpersonate}
                aria-describedby={reason ? reasonId : undefined}
                onClick={() => onSignInAs(coworker)}
              >
                Sign in as {coworker.Name}
              </button>
              {reason ? (
                <span id={reasonId} className="hint">
                  {reason}
                </span>
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
