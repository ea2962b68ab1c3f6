import { beforeEach, describe, expect, it } from 'vitest';
import { endOverdueImpersonations } from '../../store/housekeeping.ts';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf, type TestApp } from '../../test/harness.ts';

/**
 * An impersonation nobody uses again (the actor closed the tab) ends all the same: the person
 * acted as never sees it running past its end, housekeeping writes its end to the trail, and
 * however late its end is found out, it is stored as ending when its time ran out.
 */

const MINUTE = 60_000;
let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

/** The team admin acts as a member, makes one request, and walks away. */
async function actAndWalkAway(member = 'buyer@acme.test') {
  const admin = await t.signIn('admin@acme.test');
  const { token } = await t
    .client(admin.token)
    .impersonation.teamHandoff(ids.profileId(member), 'checking the basket');
  const started = await t.client(admin.token).impersonation.exchange(token);
  await t.client(started.token).orders.list();
  const id = started.session.actor?.impersonationId ?? '';
  const [row] = await rowsWhere(t.ts, 'impersonations', { id });
  if (!row?.startedAt || !row.endsAt) throw new Error('The impersonation did not start');
  return { id, token: started.token, startedAt: row.startedAt, endsAt: row.endsAt };
}

const endedEvents = (impersonationId: string) =>
  rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended', impersonationId });

describe('an impersonation nobody uses again', () => {
  it('shows to the person acted as as expired at its end, not running, once its time is up', async () => {
    const walkedAway = await actAndWalkAway();
    const buyer = await t.signIn('buyer@acme.test');
    const running = await t.client(buyer.token).account.accessHistory();
    expect(running.entries.find((e) => e.id === walkedAway.id)?.endedAt).toBeNull();

    t.clock.advance(3 * 60 * MINUTE);
    const later = await t.signIn('buyer@acme.test');
    const { entries } = await t.client(later.token).account.accessHistory();
    const entry = entries.find((e) => e.id === walkedAway.id);
    expect(entry).toMatchObject({
      endReason: 'expired',
      endedAt: new Date(walkedAway.endsAt).toISOString(),
      durationSeconds: Math.round((walkedAway.endsAt - walkedAway.startedAt) / 1000),
    });
  });

  it('is ended by housekeeping, once and audited, as ending when its time ran out', async () => {
    const walkedAway = await actAndWalkAway();
    const other = await actAndWalkAway('member@acme.test');
    // Not yet due: nothing ends.
    t.clock.advance(10 * MINUTE);
    expect(await endOverdueImpersonations(t.deps.store, t.clock.now())).toBe(0);
    expect(await endedEvents(walkedAway.id)).toEqual([]);

    t.clock.advance(3 * 60 * MINUTE);
    // Read a page at a time (one each), both settled in the one run.
    expect(await endOverdueImpersonations(t.deps.store, t.clock.now(), 1)).toBe(2);
    for (const { id, startedAt, endsAt } of [walkedAway, other]) {
      const [row] = await rowsWhere(t.ts, 'impersonations', { id });
      expect(row).toMatchObject({ endedAt: endsAt, endReason: 'expired' });
      const events = await endedEvents(id);
      expect(events).toHaveLength(1);
      expect(events[0]?.details).toMatchObject({
        endReason: 'expired',
        durationSeconds: Math.round((endsAt - startedAt) / 1000),
      });
      const [session] = await rowsWhere(t.ts, 'sessions', { impersonationId: id });
      expect(session?.revokedAt).not.toBeNull();
    }
    // Settled once: the next run finds nothing, and writes nothing.
    expect(await endOverdueImpersonations(t.deps.store, t.clock.now())).toBe(0);
    expect(await endedEvents(walkedAway.id)).toHaveLength(1);
  });

  it('found out by its own late request, is stored as ending when its time ran out', async () => {
    const walkedAway = await actAndWalkAway();
    t.clock.advance(2 * 60 * MINUTE);
    expect(await outcomeOf(t.client(walkedAway.token).orders.list())).toBe(401);
    const [row] = await rowsWhere(t.ts, 'impersonations', { id: walkedAway.id });
    expect(row).toMatchObject({ endedAt: walkedAway.endsAt, endReason: 'expired' });
    const [event] = await endedEvents(walkedAway.id);
    expect(event?.details).toMatchObject({
      durationSeconds: Math.round((walkedAway.endsAt - walkedAway.startedAt) / 1000),
    });
    // Housekeeping has nothing left to do for it.
    expect(await endOverdueImpersonations(t.deps.store, t.clock.now())).toBe(0);
  });
});
