/** The submit and Cancel buttons of a dialog form, and what shows while it is submitting. */
export function DialogFormActions({
  submitLabel,
  pending,
  pendingLabel,
  onCancel,
}: {
  submitLabel: string;
  pending: boolean;
  pendingLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      <div className="dialog__actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {submitLabel}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {pending ? (
        <p role="status" className="loading">
          {pendingLabel}
        </p>
      ) : null}
    </>
  );
}
