import { type FormEvent, type ReactNode, useId } from 'react';
import { DialogFormActions } from '../../../components/ui/dialog-form-actions.tsx';
import { ModalDialog } from '../../../components/ui/modal-dialog.tsx';
import { RequiredReasonField, useRequiredReason } from '../../../components/ui/required-reason.tsx';

interface ReasonedChangeDialogProps {
  title: string;
  /** The fields of the change, above what it will do and the reason. */
  children: ReactNode;
  /** What the change will do, said before it is sent. */
  consequences: ReactNode;
  submitLabel: string;
  /** Why the form cannot be sent as it is (checked here), or the server's refusal. */
  problem: string | null;
  pending: boolean;
  /** Called with the trimmed reason once it is long enough. */
  onSubmit: (reason: string) => void;
  onClose: () => void;
}

/** A superadmin's change to a person, always with a reason that goes to the audit trail. */
export function ReasonedChangeDialog(props: ReasonedChangeDialogProps) {
  const reason = useRequiredReason();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const why = reason.check();
    if (why) props.onSubmit(why);
  }

  return (
    <ModalDialog title={props.title} onClose={props.onClose}>
      <form className="form" noValidate onSubmit={handleSubmit}>
        {props.problem ? (
          <div role="alert" className="alert alert--error">
            {props.problem}
          </div>
        ) : null}
        {props.children}
        <p className="muted">{props.consequences}</p>
        <RequiredReasonField reason={reason} />
        <DialogFormActions
          submitLabel={props.submitLabel}
          pending={props.pending}
          pendingLabel="Saving…"
          onCancel={props.onClose}
        />
      </form>
    </ModalDialog>
  );
}

/** A labelled choice among a few values, shown as they are named. */
export function ChoiceField<T extends string>({
  label,
  value,
  choices,
  onChange,
}: {
  label: string;
  value: T;
  choices: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T)}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
