import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { type FormEvent, useId, useState } from 'react';
import { SecretField } from '../../../components/ui/secret-field.tsx';
import { useCreateApiKey } from '../api/create-api-key.ts';
import { apiKeyScopeLabels, apiKeyScopeList } from '../labels.ts';

/** Name and scopes; the secret is shown once, right here, and never again. */
export function NewApiKeyForm() {
  const nameId = useId();
  const scopesId = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ReadonlySet<ApiKeyScope>>(new Set());
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
    setInvalid(null);
    create.mutate(
      { name: name.trim(), scopes: apiKeyScopeList.filter((s) => scopes.has(s)) },
      {
        onSuccess: () => {
          setName('');
          setScopes(new Set());
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
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        className="checkbox"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
