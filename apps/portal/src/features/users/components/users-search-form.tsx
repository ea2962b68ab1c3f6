import { type FormEvent, useId } from 'react';

interface UsersSearchFormProps {
  search: string;
  onSearch: (search: string) => void;
}

export function UsersSearchForm({ search, onSearch }: UsersSearchFormProps) {
  const id = useId();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSearch(String(new FormData(event.currentTarget).get('query') ?? '').trim());
  }

  return (
    <form className="form form--inline" role="search" onSubmit={handleSubmit}>
      <div className="field field--grow">
        <label htmlFor={id}>Search users</label>
        <input
          // A new search from outside (back button) starts the field over.
          key={search}
          id={id}
          name="query"
          type="search"
          defaultValue={search}
          maxLength={200}
          placeholder="Name or email"
        />
      </div>
      <button type="submit" className="button button--primary">
        Search
      </button>
    </form>
  );
}
