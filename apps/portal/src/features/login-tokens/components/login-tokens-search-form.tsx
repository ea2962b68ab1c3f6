import type { LoginTokenState } from '@onbehalf/contracts/login-links';
import { type FormEvent, useId } from 'react';
import type { LoginTokenFilters } from '../api/list-login-tokens.ts';
import { loginTokenStateLabels } from '../labels.ts';

const states = Object.entries(loginTokenStateLabels) as [LoginTokenState, string][];

interface LoginTokensSearchFormProps {
  filters: LoginTokenFilters;
  onSearch: (filters: LoginTokenFilters) => void;
}

export function LoginTokensSearchForm({ filters, onSearch }: LoginTokensSearchFormProps) {
  const queryId = useId();
  const stateId = useId();

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const state = String(form.get('state') ?? '');
    onSearch({
      query: String(form.get('query') ?? '').trim(),
      state: state in loginTokenStateLabels ? (state as LoginTokenState) : '',
    });
  }

  return (
    // A new search from outside (back button) starts the fields over.
    <form
      key={`${filters.query}|${filters.state}`}
      className="form form--inline"
      role="search"
      onSubmit={handleSubmit}
    >
      <div className="field field--grow">
        <label htmlFor={queryId}>Search login tokens</label>
        <input
          id={queryId}
          name="query"
          type="search"
          defaultValue={filters.query}
          maxLength={200}
          placeholder="Name, email or organization"
        />
      </div>
      <div className="field">
        <label htmlFor={stateId}>Status</label>
        <select id={stateId} name="state" defaultValue={filters.state}>
          <option value="">All</option>
          {states.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button button--primary">
        Search
      </button>
    </form>
  );
}
