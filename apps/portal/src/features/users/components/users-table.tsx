import { impersonationBlockLabels } from '@onbehalf/contracts/impersonation';
import type { AdminUser } from '@onbehalf/contracts/users';
import { type ReactNode, useId } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { PagedListView } from '../../../components/ui/paged-list.tsx';
import { useUsers } from '../api/list-users.ts';
import { userType } from '../user-type.ts';

const userNoun = { one: 'user', other: 'users' };

interface UsersTableProps {
  search: string;
  /** "Sign in as…" was pressed for a user the server says the operator may impersonate. */
  onSignInAs: (user: AdminUser) => void;
  /** More buttons for a row's Actions cell, from features the page adds (sign-in links). */
  extraActions?: (user: AdminUser) => ReactNode;
  /** Offered beside each profile to those who may set a profile's role (superadmins). */
  onChangeRole?: (user: AdminUser, profile: AdminUser['profiles'][number]) => void;
}

export function UsersTable({ search, onSignInAs, extraActions, onChangeRole }: UsersTableProps) {
  const idPrefix = useId();
  const users = useUsers(search);

  return (
    <PagedListView
      list={users}
      noun={userNoun}
      search={search}
      loadingLabel="Loading users…"
      errorTitle="Users could not be loaded."
      empty="No users yet."
    >
      {(rows) => (
        <div className="table-scroll">
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Organizations</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((user) => {
                const reasonId = `${idPrefix}-reason-${user.id}`;
                const { allowed, reason } = user.impersonation;
                const why = !allowed && reason ? impersonationBlockLabels[reason] : null;
                return (
                  <tr key={user.id}>
                    <th scope="row">{user.name}</th>
                    <td>{user.email}</td>
                    <td>{userType(user)}</td>
                    <td>
                      {user.status === 'active' ? (
                        <Badge tone="success">Active</Badge>
                      ) : (
                        <Badge tone="warning">Disabled</Badge>
                      )}
                    </td>
                    <td>
                      {user.profiles.length === 0 ? (
                        <span className="muted">—</span>
                      ) : (
                        <ul className="plain-list">
                          {user.profiles.map((p) => (
                            <li key={p.Id}>
                              {p.organizationName} <span className="muted">· {p.role}</span>
                              {onChangeRole ? (
                                <>
                                  {' '}
                                  <button
                                    type="button"
                                    className="button button--small"
                                    aria-label={`Change the role of ${user.name} in ${p.organizationName}`}
                                    onClick={() => onChangeRole(user, p)}
                                  >
                                    Change role…
                                  </button>
                                </>
                              ) : null}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      <div className="row-action">
                        <button
                          type="button"
                          className="button button--small"
                          aria-label={`Sign in as ${user.name}`}
                          aria-describedby={why ? reasonId : undefined}
                          disabled={!allowed}
                          onClick={() => onSignInAs(user)}
                        >
                          Sign in as…
                        </button>
                        {why ? (
                          <span id={reasonId} className="hint">
                            {why}
                          </span>
                        ) : null}
                        {extraActions?.(user)}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </PagedListView>
  );
}
