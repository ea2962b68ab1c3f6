import type { LoginTokenState } from '@onbehalf/contracts/login-links';
import { useId } from 'react';
import { SearchForm } from '../../../components/ui/search-form.tsx';
import type { LoginTokenFilters } from '../api/list-login-tokens.ts';
import { loginTokenStateLabels } from '../labels.ts';

const states = Object.entries(loginTokenStateLabels) as [LoginTokenState, string][];

const isState = (value: string): value is LoginTokenState => value in loginTokenStateLabels;

interface LoginTokensSearchFormProps {
  filters: LoginTokenFilters;
  onSearch: (query: string) => void;
  onState: (state: LoginTokenState | '') => void;
}

/** Search as you type; a new status applies at once. */
export function LoginTokensSearchForm({ filters, onSearch, onState }: LoginTokensSearchFormProps) {
  const stateId = useId();
  return (
    <SearchForm
      label="Search login tokens"
      placeholder="Name, email or organization"
      search={filters.query}
      onSearch={onSearch}
    >
      <div className="field">
        <label htmlFor={stateId}>Status</label>
        <select
          id={stateId}
          name="state"
          value={filters.state}
          onChange={(event) => onState(isState(event.target.value) ? event.target.value : '')}
        >
          <option value="">All</option>
          {states.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
    </SearchForm>
  );
}
