import type { LoginTokenState } from '@onbehalf/contracts/login-links';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { LoginTokenFilters } from '../../features/login-tokens/api/list-login-tokens.ts';
import { LoginTokensSearchForm } from '../../features/login-tokens/components/login-tokens-search-form.tsx';
import { LoginTokensTable } from '../../features/login-tokens/components/login-tokens-table.tsx';
import { NewLoginTokenDialog } from '../../features/login-tokens/components/new-login-token-dialog.tsx';
import { loginTokenStateLabels } from '../../features/login-tokens/labels.ts';
import { notWhileImpersonating } from '../../lib/restrictions.ts';
import { useDocumentTitle } from '../../lib/use-document-title.ts';
import { useSearchParam } from '../../lib/use-search-param.ts';
import { useSignedInSession } from './app-layout.tsx';

export function AdminLoginTokensRoute() {
  useDocumentTitle('Login Tokens');
  const session = useSignedInSession();
  // The filters live in the address, so they survive a reload and the back button.
  const [search, setSearch] = useSearchParam();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const filters: LoginTokenFilters = {
    query: search,
    state: state in loginTokenStateLabels ? (state as LoginTokenState) : '',
  };
  const [creating, setCreating] = useState(false);
  const canManage = session.permissions.includes('login-tokens:manage');
  // The server refuses to create tokens while impersonating (say, a superadmin acting as an
  // admin): no button that can only fail.
  const restricted = Boolean(session.actor);

  function handleState(next: LoginTokenState | '') {
    setParams((current) => {
      const updated = new URLSearchParams(current);
      if (next) updated.set('state', next);
      else updated.delete('state');
      return updated;
    });
  }

  return (
    <div className="page">
      <div className="page-header">
        <h1>Login Tokens</h1>
        <p className="page-subtitle">Sign-in links for contacts, customers and guests</p>
        {canManage && !restricted ? (
          <button
            type="button"
            className="button button--primary page-header__action"
            onClick={() => setCreating(true)}
          >
            New Login Token
          </button>
        ) : null}
      </div>
      <section className="card">
        {!canManage ? (
          <p className="empty">You do not have access to login tokens.</p>
        ) : (
          <>
            {restricted ? <p className="muted">{notWhileImpersonating}</p> : null}
            <LoginTokensSearchForm filters={filters} onSearch={setSearch} onState={handleState} />
            <LoginTokensTable filters={filters} />
          </>
        )}
      </section>
      {creating ? <NewLoginTokenDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}
