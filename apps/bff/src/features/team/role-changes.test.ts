import { beforeEach, describe, expect, it } from 'vitest';
import { countOf, rowsWhere, rowWhere, updateRows } from '../../store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf, refusal, type TestApp } from '../../test/harness.ts';

/**
 * A role or permission change ends, with it, the running impersonations it no longer allows, and
 * loses (409, nothing written) to a change that came between its read and its write (ADR 023).
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

/** Acme's admin signs in as the buyer through the team door; the impersonation's token and id. */
async function adminAsBuyer() {
  const admin = t.client((await t.signIn('admin@acme.test')).token);
  const issued = await admin.impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'help');
  const imp = await admin.impersonation.exchange(issued.token);
  const impersonationId = imp.session.actor?.impersonationId;
  if (!impersonationId) throw new Error('the exchange started no impersonation');
  return { token: imp.token, impersonationId };
}

const impersonationRow = (id: string) => rowWhere(t.ts, 'impersonations', { id });

/** The audit trail's event types since `fromId`, in the order appended. */
async function typesSince(fromId: number) {
  const events = await rowsWhere(t.ts, 'auditEvents', {});
  return events.filter((e) => e.id > fromId).map((e) => [e.type, e.details?.endReason]);
}

async function lastAuditId() {
  const events = await rowsWhere(t.ts, 'auditEvents', {});
  return events.at(-1)?.id ?? 0;
}

/**
 * Runs `meanwhile` once, between the next member read of the team service and its write, as a
 * request landing in that gap would: the read answers what it read before.
 */
function interleaveAfterNextMemberRead(meanwhile: () => Promise<unknown>) {
  const team = t.deps.store.team;
  const read = team.member.bind(team);
  team.member = async (organizationId, profileId) => {
    team.member = read;
    const found = await read(organizationId, profileId);
    await meanwhile();
    return found;
  };
}

describe('role changes and running impersonations', () => {
  it('demoting the team admin ends their running impersonation at once, audited with the change', async () => {
    const { token, impersonationId } = await adminAsBuyer();
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const from = await lastAuditId();

    await owner.team.updateMember(ids.profileId('admin@acme.test'), { role: 'member' });

    // Ended by the change itself, before the impersonation makes any request.
    expect(await impersonationRow(impersonationId)).toMatchObject({
      endedAt: t.clock.now(),
      endReason: 'actor_lost_permission',
    });
    expect(await typesSince(from)).toEqual([
      ['impersonation.ended', 'actor_lost_permission'],
      ['team.member_updated', undefined],
    ]);
    expect(await outcomeOf(t.client(token).auth.session())).toBe(401);
  });

  it('raising the member acted as past the admin ends it; a raise the admin still covers does not', async () => {
    const { token, impersonationId } = await adminAsBuyer();
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const buyer = ids.profileId('buyer@acme.test');

    await owner.team.updateMember(buyer, { role: 'admin' });
    expect((await impersonationRow(impersonationId)).endedAt).toBeNull();
    expect(await outcomeOf(t.client(token).auth.session())).toBe('ok');

    await owner.team.updateMember(buyer, { role: 'owner' });
    expect(await impersonationRow(impersonationId)).toMatchObject({
      endReason: 'actor_lost_permission',
    });
    expect(await outcomeOf(t.client(token).auth.session())).toBe(401);
  });
});

describe('a change decided on a stale read', () => {
  it('loses to the change that came between its read and its write: 409, nothing written', async () => {
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const buyer = ids.profileId('buyer@acme.test');
    interleaveAfterNextMemberRead(() =>
      updateRows(t.ts, 'profiles', { permissions: ['orders:read'] }, { id: buyer }),
    );
    const from = await lastAuditId();

    const lost = await refusal(
      owner.team.updateMember(buyer, { permissions: ['orders:read', 'invoices:read'] }),
    );
    expect(lost).toMatchObject({ status: 409, code: 'conflict' });
    expect((await rowWhere(t.ts, 'profiles', { id: buyer })).permissions).toEqual(['orders:read']);
    expect(await typesSince(from)).toEqual([]);
  });

  it('of two owners demoting each other at once, the second loses: the organization keeps an owner', async () => {
    const owner = await t.signIn('owner@acme.test');
    const ownerId = ids.profileId('owner@acme.test');
    const adminId = ids.profileId('admin@acme.test');
    await t.client(owner.token).team.updateMember(adminId, { role: 'owner' });
    const coOwner = await t.signIn('admin@acme.test');
    const acme = ids.organizationId('Acme Corp');

    // The owner reads the co-owner; before the owner writes, the co-owner demotes the owner.
    interleaveAfterNextMemberRead(() =>
      t.client(coOwner.token).team.updateMember(ownerId, { role: 'admin' }),
    );
    const lost = await refusal(t.client(owner.token).team.updateMember(adminId, { role: 'admin' }));

    expect(lost).toMatchObject({ status: 409, code: 'conflict' });
    expect(await countOf(t.ts, 'profiles', { organizationId: acme, role: 'owner' })).toBe(1);
    expect((await rowWhere(t.ts, 'profiles', { id: adminId })).role).toBe('owner');
  });

  it('an opt-out decided on a setting changed meanwhile answers 409 and writes nothing', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const buyerId = ids.profileId('buyer@acme.test');
    const account = t.deps.store.account;
    const write = account.setImpersonationPreference.bind(account);
    // Another tab opts out between this request's read of the setting and its write.
    account.setImpersonationPreference = async (command) => {
      account.setImpersonationPreference = write;
      await updateRows(t.ts, 'profiles', { allowTeamImpersonation: false }, { id: buyerId });
      return write(command);
    };
    const from = await lastAuditId();

    const lost = await refusal(t.client(buyer.token).account.setImpersonationPreference(false));
    expect(lost).toMatchObject({ status: 409, code: 'conflict' });
    expect(await typesSince(from)).toEqual([]);
  });
});
