// @vitest-environment happy-dom

import type { CustomerPermission } from '@onbehalf/contracts/permissions';
import type { TeamMember, UpdateTeamMemberBody } from '@onbehalf/contracts/team';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../../lib/api.ts';
import { TeamPermissionsTable } from './team-permissions-table.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/**
 * A change sends the member's whole list: one built while another was on its way for the same
 * member would undo it (found by a review: a click on a second row unlocked the first).
 */

const memberPermissions: CustomerPermission[] = ['invoices:read', 'orders:create', 'orders:read'];

const member = (profileId: number, name: string): TeamMember => ({
  profileId,
  userId: profileId,
  name,
  email: `${name.toLowerCase()}@acme.test`,
  status: 'active',
  role: 'member',
  permissions: [...memberPermissions],
  isSelf: false,
  allowTeamImpersonation: true,
  impersonation: { allowed: true, reason: null },
});

/**
 * The server: two members; each PATCH is held until the test lets it answer, and then stores
 * the permissions it was sent (a whole list: the last one written wins).
 */
function server() {
  const members = [member(1, 'Bob'), member(2, 'Carol')];
  const held: { profileId: number; body: UpdateTeamMemberBody; answer: () => void }[] = [];
  vi.spyOn(api.team, 'members').mockImplementation(async () => ({
    organization: { id: 1, name: 'Acme Corp' },
    members: members.map((m) => ({ ...m, permissions: [...m.permissions] })),
    nextCursor: null,
  }));
  const update = vi.spyOn(api.team, 'updateMember').mockImplementation(
    (profileId: number, body: UpdateTeamMemberBody) =>
      new Promise((resolve) => {
        held.push({
          profileId,
          body,
          answer: () => {
            const m = members.find((x) => x.profileId === profileId);
            if (!m) throw new Error('no such member');
            if (body.permissions) m.permissions = [...body.permissions];
            resolve({ member: { ...m } } as never);
          },
        });
      }),
  );
  return { members, held, update };
}

describe('the team permissions matrix while changes are on their way', () => {
  it('never sends a member’s permissions without a change still on its way for that member (no lost update)', async () => {
    const { members, held, update } = server();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <TeamPermissionsTable
          search=""
          viewer={{
            role: 'owner',
            permissions: [...memberPermissions, 'team:read', 'team:manage'],
            restricted: null,
          }}
          onImpersonate={() => undefined}
        />
      </QueryClientProvider>,
    );
    const box = (label: string) =>
      screen.getByRole('checkbox', { name: label }) as HTMLInputElement;
    await screen.findByRole('table', { name: 'Team members' });

    // The admin goes down the matrix: Bob loses "Place orders", then Carol "View invoices",
    // then Bob "View invoices" — three clicks within a slow round trip.
    fireEvent.click(box('Place orders for Bob'));
    fireEvent.click(box('View invoices for Carol'));
    // Bob's first change is still on its way: his row says so and is not offered again.
    expect.soft(box('Place orders for Bob').checked, 'Bob’s “Place orders” as asked').toBe(false);
    if (!box('View invoices for Bob').disabled) fireEvent.click(box('View invoices for Bob'));

    // Bob's and Carol's changes are on their way, and no third (Bob's row is locked).
    await waitFor(() => expect(held.map((h) => h.profileId)).toEqual([1, 2]));
    // The server answers in order.
    for (let i = 0; i < 10 && held.length > 0; i++) {
      const next = held.shift();
      await act(async () => next?.answer());
    }
    await waitFor(() => expect(update).toHaveBeenCalled());

    // Whatever was sent for Bob, "Place orders" was taken away and stays away.
    for (const [profileId, body] of update.mock.calls) {
      if (profileId === 1) {
        expect(
          body.permissions,
          'a PATCH for Bob that grants back what he just lost',
        ).not.toContain('orders:create');
      }
    }
    expect(members[0]?.permissions).not.toContain('orders:create');
    // Both answered and the list read again: the rows are offered again, as the server has them.
    await waitFor(() => expect(box('View invoices for Bob').disabled).toBe(false));
    expect(box('Place orders for Bob').checked).toBe(false);
    expect(box('View invoices for Carol').checked).toBe(false);
  });
});
