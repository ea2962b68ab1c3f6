import { useId } from 'react';

/** The optional ticket reference recorded with an impersonation beside its reason. */
export function TicketField({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Ticket reference</label>
      <input
        id={id}
        type="text"
        maxLength={100}
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
