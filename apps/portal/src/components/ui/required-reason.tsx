import { type ReactNode, useId, useRef, useState } from 'react';

const MIN_REASON = 3;

/**
 * A reason the server requires (at least three characters). Checked here too, which spares a
 * round trip and keeps what the person typed; `check()` focuses the field when it fails.
 */
export function useRequiredReason() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  return {
    value,
    error,
    ref,
    change(next: string) {
      setValue(next);
      if (next.trim().length >= MIN_REASON) setError(null);
    },
    /** The trimmed reason, or null after showing why it is not enough. */
    check(): string | null {
      const trimmed = value.trim();
      if (trimmed.length < MIN_REASON) {
        setError(`Give a reason of at least ${MIN_REASON} characters.`);
        ref.current?.focus();
        return null;
      }
      setError(null);
      return trimmed;
    },
  };
}

export function RequiredReasonField({
  reason,
  hint,
}: {
  reason: ReturnType<typeof useRequiredReason>;
  hint?: ReactNode;
}) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const describedBy = [reason.error ? errorId : null, hint ? hintId : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>Reason</label>
      <textarea
        ref={reason.ref}
        id={id}
        rows={3}
        maxLength={500}
        required
        aria-invalid={reason.error ? true : undefined}
        aria-describedby={describedBy || undefined}
        value={reason.value}
        onChange={(event) => reason.change(event.target.value)}
      />
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      {reason.error ? (
        <p id={errorId} role="alert" className="field__error">
          {reason.error}
        </p>
      ) : null}
    </div>
  );
}
