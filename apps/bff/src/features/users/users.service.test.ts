import { describe, expect, it } from 'vitest';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import type { SessionRow, UserRow } from '../../store/rows.ts';
import type { Store } from '../../store/store.ts';
import { auditTrail, insertRow, insertRows, operator, rowsOf } from '../../store/test-rows.ts';
import { dialects, freshStore } from '../../store/test-stores.ts';
import {
  listOrganizations,
  ORGANIZATIONS_SHOWN,
  setRoleOfProfile,
  updateUser,
} from './users.service.ts';

const T0 = 1_700_000_000_000;
const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

/** What the service reads of its deps and of the caller; the rest of either is not asked. */
function depsOf(store: Store): AppDeps {
  return { store, clock: { now: () => T0 } } as unknown as AppDeps;
}

function signedIn(user: UserRow): AuthContext {
  return {
    session: { id: `session-of-${user.id}` } as SessionRow,
    user,
    profile: null,
    permissions: new Set(),
    impersonation: null,
    credential: null,
    transport: 'cookie',
  };
}

/**
 * A store on which another request changes a row right after the service's first read of it,
 * before the service writes: the race a compare-and-set is there to lose.
 */
function racedAfterFirstRead(store: Store, change: () => Promise<unknown>): Store {
  let raced = false;
  const race = async <T>(read: Promise<T>) => {
    const found = await read;
    if (!raced) {
      raced = true;
      await change();
    }
    return found;
  };
  return {
    ...store,
    users: {
      ...store.users,
      userById: (id) => race(store.users.userById(id)),
      profileWithUser: (id) => race(store.users.profileWithUser(id)),
    },
  };
}

describe.each(dialects)('Admin › Users service on %s', (dialect) => {
  it('an organization search shows the first 50 by name and says when more match', async () => {
    const ts = await freshStore(dialect);
    // As many branches as are shown, named out of order, two depots and a head office.
    const branches = Array.from({ length: ORGANIZATIONS_SHOWN }, (_, i) => `Branch ${100 + i}`);
    await insertRows(
      ts,
      'organizations',
      [...branches]
        .reverse()
        .concat('Depot 2', 'Head office', 'Depot 1')
        .map((name) => ({
          name,
          kind: 'company' as const,
          createdAt: 0,
        })),
    );
    const deps = depsOf(ts.store);
    const names = async (query: string | undefined) => {
      const found = await listOrganizations(deps, query);
      return { names: found.organizations.map((o) => o.name), more: found.more };
    };
    expect(await names(undefined)).toEqual({ names: branches, more: true });
    expect(await names('branch')).toEqual({ names: branches, more: false });
    expect(await names('DEPOT')).toEqual({ names: ['Depot 1', 'Depot 2'], more: false });
  });

  it('a user changed between its read and the write is decided again from what it became', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const other = await operator(ts, 'other@onbehalf.test', 'superadmin');
    const target = await operator(ts, 'admin@onbehalf.test', 'admin');
    // Meanwhile another superadmin disables the operator whose role is being changed.
    const store = racedAfterFirstRead(ts.store, () =>
      updateUser(
        depsOf(ts.store),
        signedIn(other),
        target.id,
        { status: 'disabled', reason: 'left' },
        meta,
      ),
    );

    const result = await updateUser(
      depsOf(store),
      signedIn(root),
      target.id,
      { operatorRole: 'support', reason: 'fewer rights' },
      meta,
    );

    expect(result.user).toMatchObject({ status: 'disabled', operatorRole: 'support' });
    const stored = (await rowsOf(ts, 'users')).find((u) => u.id === target.id);
    expect(stored).toMatchObject({ status: 'disabled', operatorRole: 'support' });
    const updates = (await auditTrail(ts)).filter((e) => e.type === 'user.updated');
    expect(updates.map((e) => [e.actorUserId, e.details])).toEqual([
      [
        other.id,
        {
          before: { status: 'active', operatorRole: 'admin' },
          after: { status: 'disabled', operatorRole: 'admin' },
        },
      ],
      [
        root.id,
        {
          before: { status: 'disabled', operatorRole: 'admin' },
          after: { status: 'disabled', operatorRole: 'support' },
        },
      ],
    ]);
  });

  it("a profile's role changed between its read and the write is audited from what it became", async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const organization = await insertRow(ts, 'organizations', {
      name: 'acme',
      kind: 'company',
      createdAt: 0,
    });
    const jane = await insertRow(ts, 'users', {
      email: 'jane@acme.test',
      name: 'Jane',
      kind: 'customer',
      createdAt: 0,
    });
    const profile = await insertRow(ts, 'profiles', {
      userId: jane.id,
      organizationId: organization.id,
      role: 'member',
      permissions: ['orders:read'],
      createdAt: 0,
    });
    const store = racedAfterFirstRead(ts.store, () =>
      setRoleOfProfile(
        depsOf(ts.store),
        signedIn(root),
        profile.id,
        { role: 'admin', reason: 'runs the team' },
        meta,
      ),
    );

    await setRoleOfProfile(
      depsOf(store),
      signedIn(root),
      profile.id,
      { role: 'owner', reason: 'owns it' },
      meta,
    );

    const roles = (await auditTrail(ts))
      .filter((e) => e.type === 'team.member_updated')
      .map((e) => {
        const details = e.details as { before: { role: string }; after: { role: string } };
        return [details.before.role, details.after.role];
      });
    expect(roles).toEqual([
      ['member', 'admin'],
      ['admin', 'owner'],
    ]);
  });
});
