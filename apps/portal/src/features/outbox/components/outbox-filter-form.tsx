import { type FormEvent, useId } from 'react';

interface OutboxFilterFormProps {
  to: string;
  onFilter: (to: string) => void;
}

/** One recipient's mail, by exact address; empty for all. */
export function OutboxFilterForm({ to, onFilter }: OutboxFilterFormProps) {
  const id = useId();
  const hintId = useId();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onFilter(String(new FormData(event.currentTarget).get('to') ?? '').trim());
  }

  return (
    <form className="form form--inline" role="search" onSubmit={handleSubmit}>
      <div className="field field--grow">
        <label htmlFor={id}>Recipient</label>
        <input
          // A new filter from outside (back button) starts the field over.
          key={to}
          id={id}
          name="to"
          type="search"
          defaultValue={to}
          maxLength={254}
          autoComplete="off"
          placeholder="name@example.com"
          aria-describedby={hintId}
        />
      </div>
      <button type="submit" className="button button--primary">
        Filter
      </button>
      {/* A row of its own, so the button lines up with the field. */}
      <p id={hintId} className="hint form__feedback">
        The whole address. Leave it empty for every message.
      </p>
    </form>
  );
}
