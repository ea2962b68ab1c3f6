import type { LoginAttempt } from '@onbehalf/contracts/login-links';
import { formatDateTime, shortenUserAgent } from '../../../lib/format.ts';
import { attemptOutcomeLabels } from '../labels.ts';

/** Every attempt made with a token, newest first as the server sends them. */
export function LoginAttemptsTable({ attempts }: { attempts: readonly LoginAttempt[] }) {
  if (attempts.length === 0) return <p className="empty">Nobody has used this token yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table" aria-label="Attempts">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Outcome</th>
            <th scope="col">IP</th>
            <th scope="col">Device</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => (
            <tr key={attempt.id}>
              <td>{formatDateTime(attempt.at)}</td>
              <td>{attemptOutcomeLabels[attempt.outcome]}</td>
              <td>{attempt.ip ?? '—'}</td>
              <td>
                <span title={attempt.userAgent ?? undefined}>
                  {shortenUserAgent(attempt.userAgent)}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
