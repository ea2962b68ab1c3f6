import { API_KEY_DEFAULT_DAYS, API_KEY_MAX_DAYS } from '@onbehalf/contracts/login-links';
import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { type FormEvent, useId, useState } from 'react';
import { SecretField } from '../../../components/ui/secret-field.tsx';
import { useCreateApiKey } from '../api/create-api-key.ts';
import type { Organization } from '../api/search-organizations.ts';
import { useOrganizations } from '../api/search-organizations.ts';
import { apiKeyScopeLabels, apiKeyScopeList } from '../labels.ts';

/**
 * Name, scopes, the organizations whose people the key may act for, and how long it lives;
 * the secret is shown once, right here, and never again.
 */
export function NewApiKeyForm() {
  const nameId = useId();
  const scopesId = useId();
  const daysId = useId();
  const orgSearchId = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ReadonlySet<ApiKeyScope>>(new Set());
  // Chosen organizations by id, with their names: they stay listed whatever the search shows.
  const [chosen, setChosen] = useState<ReadonlyMap<number, Organization>>(new Map());
  const [orgSearch, setOrgSearch] = useState('');
  const [days, setDays] = useState(String(API_KEY_DEFAULT_DAYS));
  const organizations = useOrganizations(orgSearch.trim());
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useCreateApiKey();

  function toggle(scope: ApiKeyScope, on: boolean) {
    const next = new Set(scopes);
    if (on) next.add(scope);
    else next.delete(scope);
    setScopes(next);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setInvalid('Give the key a name, so you know later what uses it.');
      return;
    }
    if (scopes.size === 0) {
      setInvalid('Choose at least one thing the key may do.');
      return;
    }
    if (chosen.size === 0) {
      setInvalid('Choose at least one organization whose people the key may act for.');
      return;
    }
    const expiresInDays = Number(days);
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > API_KEY_MAX_DAYS) {
      setInvalid(`A key lives from 1 to ${API_KEY_MAX_DAYS} days.`);
      return;
    }
    setInvalid(null);
    create.mutate(
      {
        name: name.trim(),
        scopes: apiKeyScopeList.filter((s) => scopes.has(s)),
        organizationIds: [...chosen.keys()],
        expiresInDays,
      },
      {
        onSuccess: () => {
          setName('');
          setScopes(new Set());
          setChosen(new Map());
        },
      },
    );
  }

  const error = invalid ?? (create.isError ? create.error.message : null);

  return (
    <>
      {create.isSuccess ? (
        <div className="created-secret">
          <p role="status" className="alert alert--success">
            API key created. Copy it now: it will not be shown again.
          </p>
          <SecretField label="API key" value={create.data.secret} />
          <p className="hint">
            Send it as <code>Authorization: Bearer …</code>; it works on <code>/api/sys/*</code>{' '}
            only.
          </p>
        </div>
      ) : null}
      <form className="form form--narrow" noValidate onSubmit={handleSubmit}>
        {error ? (
          <div role="alert" className="alert alert--error">
            {error}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={nameId}>Key name</label>
          <input
            id={nameId}
            type="text"
            maxLength={100}
            autoComplete="off"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <fieldset className="fieldset" aria-describedby={scopesId}>
          <legend>Scopes</legend>
          <p id={scopesId} className="hint">
            What the integration may do; nothing else.
          </p>
          {apiKeyScopeList.map((scope) => (
            <ScopeCheckbox
              key={scope}
              label={apiKeyScopeLabels[scope]}
              checked={scopes.has(scope)}
              onChange={(on) => toggle(scope, on)}
            />
          ))}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Organizations</legend>
          <p className="hint">The key acts only for the people of the organizations chosen.</p>
          <div className="field">
            <label htmlFor={orgSearchId}>Find an organization</label>
            <input
              id={orgSearchId}
              type="search"
              autoComplete="off"
              value={orgSearch}
              onChange={(event) => setOrgSearch(event.target.value)}
            />
          </div>
          {[
            ...chosen.values(),
            ...(organizations.data?.organizations ?? []).filter(
              (organization) => !chosen.has(organization.id),
            ),
          ].map((organization) => (
            <ScopeCheckbox
              key={organization.id}
              label={organization.name}
              hint={
                organization.integrationsEnabled
                  ? undefined
                  : 'Integrations are off here: the key can only email its people sign-in links.'
              }
              checked={chosen.has(organization.id)}
              onChange={(on) => {
                const next = new Map(chosen);
                if (on) next.set(organization.id, organization);
                else next.delete(organization.id);
                setChosen(next);
              }}
            />
          ))}
          {organizations.data?.more && (
            <p className="hint">
              More organizations match: type more of the name to find the others.
            </p>
          )}
        </fieldset>
        <div className="field">
          <label htmlFor={daysId}>Expires after (days)</label>
          <input
            id={daysId}
            type="number"
            min={1}
            max={API_KEY_MAX_DAYS}
            value={days}
            onChange={(event) => setDays(event.target.value)}
          />
        </div>
        <div>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            Create key
          </button>
        </div>
      </form>
    </>
  );
}

function ScopeCheckbox({
  label,
  hint,
  checked,
  onChange,
}: {
  label: string;
  /** What choosing it means, when that needs saying. */
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        className="checkbox"
        aria-describedby={hint ? hintId : undefined}
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
