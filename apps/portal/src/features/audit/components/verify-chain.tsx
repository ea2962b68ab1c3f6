import { useState } from 'react';
import { ErrorAlert } from '../../../components/ui/status.tsx';
import { useAuditVerification } from '../api/verify-audit-chain.ts';

/** Re-checks the trail's hash chain on the server and says whether anything was altered. */
export function VerifyChain() {
  const [asked, setAsked] = useState(false);
  const verification = useAuditVerification(asked);

  function handleClick() {
    if (asked) void verification.refetch();
    else setAsked(true);
  }

  const result = verification.data;
  return (
    <div className="verify-chain">
      <button
        type="button"
        className="button"
        disabled={verification.isFetching}
        onClick={handleClick}
      >
        Verify chain
      </button>
      {verification.isFetching ? (
        <p role="status" className="loading">
          Verifying the audit trail…
        </p>
      ) : verification.isError ? (
        <ErrorAlert title="The audit trail could not be verified." error={verification.error} />
      ) : result?.intact ? (
        <>
          <p role="status" className="form-status">
            Audit trail intact: {result.checked} events verified.
          </p>
          {result.anchor === 'checkpoint' ? (
            <p className="hint">Counted from the checkpoint left when old events were pruned.</p>
          ) : null}
        </>
      ) : result ? (
        <p role="alert" className="alert alert--error">
          Audit trail broken at event {result.firstBrokenId ?? 'unknown'}
          {result.breakCount > 1
            ? `, and ${result.breakCount - 1} more ${result.breakCount > 2 ? 'breaks' : 'break'}`
            : ''}
          .
        </p>
      ) : null}
    </div>
  );
}
