// @vitest-environment happy-dom

import type {
  AccountCredential,
  AccountCredentialsQuery,
  CredentialHolder,
  CredentialKind,
} from '@onbehalf/contracts/login-links';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../../lib/api.ts';
import { CredentialsTable } from './credentials-table.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const CREDENTIALS = 120;

/** Credential `n` (1 is the newest), told apart on screen by its name; every third mine. */
const credential = (n: number): AccountCredential => ({
  kind: n % 2 === 0 ? 'login_token' : 'one_click',
  id: String(n),
  purpose: n % 3 === 0 ? 'delivered' : n % 3 === 1 ? 'integration' : 'support',
  name: `Credential ${n}`,
  maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
  organizationName: 'Acme Corp',
  reason: null,
  createdAt: new Date(Date.parse('2025-01-01T10:00:00.000Z') - n * 1000).toISOString(),
  expiresAt: '2025-02-01T10:00:00.000Z',
  oneTimeUse: false,
  uses: 0,
  lastUsedAt: null,
  inUse: false,
});

/**
 * The server: live credentials newest first (those of one holder when asked), a page after the
 * cursor (the last line's n).
 */
function server() {
  let live = Array.from({ length: CREDENTIALS }, (_, i) => credential(i + 1));
  const read = vi
    .spyOn(api.account, 'credentials')
    .mockImplementation(async ({ limit = 50, cursor, heldBy }: AccountCredentialsQuery = {}) => {
      const held = live.filter(
        (c) => heldBy === undefined || (c.purpose === 'delivered') === (heldBy === 'me'),
      );
      const after = cursor ? held.findIndex((c) => Number(c.id) > Number(cursor)) : 0;
      const rows = after < 0 ? [] : held.slice(after, after + Number(limit));
      const last = rows.at(-1);
      const more = last !== undefined && held.at(-1) !== last;
      return { credentials: rows, nextCursor: more ? last.id : null };
    });
  const revoke = vi
    .spyOn(api.account, 'revokeCredential')
    .mockImplementation(async (kind: CredentialKind, id: string) => {
      live = live.filter((c) => !(c.kind === kind && c.id === id));
      return { ok: true as const };
    });
  return { read, revoke };
}

/** The table, with the holder shown kept as the Account page keeps it (there, in the address). */
function Table() {
  const [heldBy, setHeldBy] = useState<CredentialHolder | undefined>();
  return <CredentialsTable heldBy={heldBy} onHeldBy={setHeldBy} />;
}

function renderTable() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <Table />
    </QueryClientProvider>,
  );
}

/** The credentials the table shows, top to bottom, by their number. */
async function shown() {
  const table = await screen.findByRole('table', { name: 'Sign-in links and tokens made for you' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) =>
      Number(row.querySelector('th')?.firstChild?.textContent?.replace('Credential ', '')),
    );
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the sign-in links and tokens made for me', () => {
  it('show the newest page first, and "Load more" adds the next one until none are left', async () => {
    const { read } = server();
    renderTable();

    expect(await shown()).toEqual(range(1, 50));
    expect(screen.getByText('Showing the first 50 sign-in links and tokens.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('Showing the first 100 sign-in links and tokens.');
    expect(await shown()).toEqual(range(1, 100));

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText(`Showing all ${CREDENTIALS} sign-in links and tokens.`);
    expect(await shown()).toEqual(range(1, CREDENTIALS));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    // Each page asked for where the one before it ended.
    expect(read.mock.calls.map(([page]) => page)).toEqual([
      { limit: 50 },
      { limit: 50, cursor: '50' },
      { limit: 50, cursor: '100' },
    ]);
  });

  it('a revoked one leaves the list: the pages loaded are read again', async () => {
    const { read, revoke } = server();
    renderTable();
    await screen.findByText('Showing the first 50 sign-in links and tokens.');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('Showing the first 100 sign-in links and tokens.');

    fireEvent.click(screen.getByRole('button', { name: 'Revoke Credential 70' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke login token' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke login token' }));

    await screen.findByText('Credential 70 was revoked: it no longer works.');
    expect(revoke).toHaveBeenCalledWith('login_token', '70');
    await vi.waitFor(async () =>
      expect(await shown()).toEqual([...range(1, 69), ...range(71, 101)]),
    );
    expect(screen.getByText('Showing the first 100 sign-in links and tokens.')).toBeTruthy();
    // Both pages again, the second from where the first now ends.
    expect(read.mock.calls.slice(2).map(([page]) => page)).toEqual([
      { limit: 50 },
      { limit: 50, cursor: '50' },
    ]);
  });

  it('shows only those others hold, or only mine, when asked, a page at a time', async () => {
    const { read } = server();
    renderTable();
    await screen.findByText('Showing the first 50 sign-in links and tokens.');
    const show = screen.getByRole('combobox', { name: 'Show' });

    fireEvent.change(show, { target: { value: 'others' } });
    const others = range(1, CREDENTIALS).filter((n) => n % 3 !== 0);
    await vi.waitFor(async () => expect(await shown()).toEqual(others.slice(0, 50)));
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText(`Showing all ${others.length} sign-in links and tokens.`);
    expect(await shown()).toEqual(others);

    fireEvent.change(show, { target: { value: 'me' } });
    const mine = range(1, CREDENTIALS).filter((n) => n % 3 === 0);
    await vi.waitFor(async () => expect(await shown()).toEqual(mine));

    fireEvent.change(show, { target: { value: '' } });
    await vi.waitFor(async () => expect(await shown()).toEqual(range(1, 50)));
    // Back to all, its first page is read again or taken from what was read before.
    expect(read.mock.calls.map(([page]) => page).slice(0, 4)).toEqual([
      { limit: 50 },
      { limit: 50, heldBy: 'others' },
      { limit: 50, cursor: String(others[49]), heldBy: 'others' },
      { limit: 50, heldBy: 'me' },
    ]);
  });

  it('says so when none works', async () => {
    vi.spyOn(api.account, 'credentials').mockResolvedValue({ credentials: [], nextCursor: null });
    renderTable();
    await screen.findByText('No sign-in link or login token made for you works right now.');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows first one in use, who is acting as me with it, and its revoke says that ends it', async () => {
    const inUse: AccountCredential = {
      ...credential(1),
      kind: 'login_token',
      purpose: 'support',
      name: 'Login token #7',
      reason: 'billing',
      uses: 1,
      inUse: true,
    };
    vi.spyOn(api.account, 'credentials').mockResolvedValue({
      credentials: [inUse, credential(2)],
      nextCursor: null,
    });
    const revoke = vi.spyOn(api.account, 'revokeCredential').mockResolvedValue({ ok: true });
    renderTable();

    const table = await screen.findByRole('table', {
      name: 'Sign-in links and tokens made for you',
    });
    const [first, second] = within(table).getAllByRole('row').slice(1);
    expect(first?.textContent).toContain(
      'In use: Omar Haddad (support admin) is acting as you with it now',
    );
    expect(second?.textContent).not.toContain('In use');
    fireEvent.click(
      within(first as HTMLElement).getByRole('button', { name: 'Revoke Login token #7' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain(
      'is acting as you with Login token #7 now. Revoking it ends that at once.',
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke login token' }));
    await vi.waitFor(() => expect(revoke).toHaveBeenCalledWith('login_token', '1'));
  });
});
