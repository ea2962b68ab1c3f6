import { describe, expect, it } from 'vitest';
import { sessionPolicy } from '../domain/sessions.ts';
import type { EndSession } from '../features/auth/auth.store.ts';
import { newSession } from '../lib/session-row.ts';
import { openPostgres } from './postgres/client.ts';
import { holdRow, lockWaiters } from './postgres/test-locks.ts';
import { onSeveralProcesses } from './test-processes.ts';
import {
  auditTrail,
  customerWithProfile,
  insertRow,
  linked,
  liveSessionsAtCap,
  operator,
  rowsOf,
  sessionsAfterCap,
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

async function sessionFor(
  ts: TestStore,
  userId: number,
  profileId: number | null,
  now = T0,
  impersonationId: string | null = null,
) {
  const minted = newSession({ userId, profileId, method: 'password', now, meta });
  await insertRow(ts, 'sessions', { ...minted.session, impersonationId });
  return minted;
}

/**
 * Jane, a customer with two profiles, and Sam, a support agent acting as her in a session of
 * his own impersonation, started from Sam's own session.
 */
async function world(ts: TestStore) {
  const jane = await customerWithProfile(ts, { email: 'Jane@Acme.test' });
  const second = await insertRow(ts, 'organizations', {
    name: 'Beta',
    kind: 'company',
    createdAt: 0,
  });
  await insertRow(ts, 'profiles', {
    userId: jane.user.id,
    organizationId: second.id,
    role: 'member',
    permissions: ['orders:read'],
    createdAt: 0,
  });
  const john = await customerWithProfile(ts, { email: 'john@acme.test' });
  const sam = await operator(ts, 'sam@onbehalf.test', 'support');
  const samsOwn = await sessionFor(ts, sam.id, null);
  const acting = await sessionFor(ts, jane.user.id, jane.profile.id, T0 + 1, 'imp-1');
  await insertRow(ts, 'impersonations', {
    id: 'imp-1',
    door: 'operator',
    actorUserId: sam.id,
    actorSessionId: samsOwn.session.id,
    targetUserId: jane.user.id,
    targetProfileId: jane.profile.id,
    organizationId: jane.organizationId,
    reason: 'ticket',
    handoffTokenHash: 'handoff-imp-1',
    handoffExpiresAt: T0 + MINUTE,
    handoffUsedAt: T0,
    sessionId: acting.session.id,
    issuedAt: T0,
    startedAt: T0,
    endsAt: T0 + 30 * MINUTE,
  });
  return { jane, john, sam, samsOwn, acting };
}

function signOutOf(
  sessionId: string,
  actorUserId: number,
  impersonation: EndSession['impersonation'] = null,
): EndSession {
  return {
    sessionId,
    reason: 'signed_out',
    impersonation,
    startedEndReason: 'actor_signed_out',
    audit: {
      type: 'auth.signed_out',
      at: T0 + MINUTE,
      actor: { userId: actorUserId, kind: 'operator' },
      subjectUserId: actorUserId,
      sessionId,
    },
    now: T0 + MINUTE,
    meta,
  };
}

/** The store's half of a password sign-in of this person, at T0, audited. */
function passwordSignIn(ts: TestStore, person: { user: { id: number }; profile: { id: number } }) {
  return ts.store.auth.signIn({
    session: {
      userId: person.user.id,
      profileId: person.profile.id,
      method: 'password',
      now: T0,
      meta,
    },
    audit: {
      type: 'auth.sign_in.succeeded',
      at: T0,
      actor: { userId: person.user.id, kind: 'customer' },
      subjectUserId: person.user.id,
      details: { method: 'password', profileId: person.profile.id },
    },
    meta,
  });
}

describe.each(dialects)('auth store on %s', (dialect) => {
  it('finds a session by its token with its parties, and nothing for another token', async () => {
    const ts = await freshStore(dialect);
    const { jane } = await world(ts);
    const minted = await sessionFor(ts, jane.user.id, jane.profile.id);
    const found = await ts.store.auth.sessionByToken(minted.token);
    expect(found?.session.id).toBe(minted.session.id);
    expect(found?.user?.email).toBe('Jane@Acme.test');
    // The password hash stays in the database: only the sign-in and the password change read it.
    expect(found?.user).not.toHaveProperty('passwordHash');
    expect(await ts.store.account.passwordHashOf(jane.user.id)).toBe(jane.user.passwordHash);
    expect(await ts.store.account.passwordHashOf(999_999)).toBeUndefined();
    expect(found?.profile?.id).toBe(jane.profile.id);
    expect(found?.organization?.id).toBe(jane.organizationId);
    expect(await ts.store.auth.sessionByToken(`${minted.token}x`)).toBeUndefined();
    expect(await ts.store.auth.findSession(minted.session.id)).toEqual(minted.session);
    expect(await ts.store.auth.findSession('nope')).toBeUndefined();
  });

  it('touches a session at most once per interval, never backwards', async () => {
    const ts = await freshStore(dialect);
    const { jane } = await world(ts);
    const { session } = await sessionFor(ts, jane.user.id, jane.profile.id);
    await ts.store.auth.touch(session, T0 + 1000);
    expect((await ts.store.auth.findSession(session.id))?.lastSeenAt).toBe(T0);
    await ts.store.auth.touch(session, T0 + 10 * MINUTE);
    expect((await ts.store.auth.findSession(session.id))?.lastSeenAt).toBe(T0 + 10 * MINUTE);
    // Another process, with the session as it was read before and a clock behind, touches it:
    // the newest instant stays (mutation review: no test touched backwards).
    await ts.store.auth.touch(session, T0 + 6 * MINUTE);
    expect((await ts.store.auth.findSession(session.id))?.lastSeenAt).toBe(T0 + 10 * MINUTE);
  });

  it('finds users by email whatever its case, and counts and picks their profiles', async () => {
    const ts = await freshStore(dialect);
    const { jane, john } = await world(ts);
    expect((await ts.store.auth.findUserByEmail('JANE@acme.TEST'))?.id).toBe(jane.user.id);
    expect(await ts.store.auth.findUserByEmail('nobody@acme.test')).toBeUndefined();
    expect(await ts.store.auth.profileCount(jane.user.id)).toBe(2);
    expect(await ts.store.auth.soleProfile(jane.user.id)).toBeNull();
    const johns = await ts.store.auth.soleProfile(john.user.id);
    expect(johns?.profile.id).toBe(john.profile.id);
    expect(johns?.organization.id).toBe(john.organizationId);
    expect(await ts.store.auth.profileCount(2 ** 40)).toBe(0);
    expect(await ts.store.auth.soleProfile(2 ** 40)).toBeNull();
  });

  it('signs in: the session and its audit event, which names it, in one command', async () => {
    const ts = await freshStore(dialect);
    const { john } = await world(ts);
    await ts.store.auth.recordSignInFailed({
      audit: {
        type: 'auth.sign_in.failed',
        at: T0,
        actor: { userId: null, kind: 'anonymous' },
        subjectUserId: john.user.id,
        details: { method: 'password', email: 'john@acme.test', failure: 'wrong_password' },
      },
      meta,
      repeats: `wrong_password:${john.user.id}`,
    });
    const minted = await passwordSignIn(ts, john);
    expect((await ts.store.auth.sessionByToken(minted.token))?.session).toEqual(minted.session);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.ip])).toEqual([
      ['auth.sign_in.failed', meta.ip],
      ['auth.sign_in.succeeded', meta.ip],
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('a password sign-in past the most live sessions a person may hold signs the oldest out', async () => {
    const ts = await freshStore(dialect);
    const { john } = await world(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    const before = (await rowsOf(ts, 'sessions')).filter((s) => s.userId === john.user.id).length;
    expect(before).toBe(0);
    // Three more than the most, one acting as him in an impersonation, and one that expired.
    await liveSessionsAtCap(ts, john.user.id, keep + 3, T0);
    await insertRow(ts, 'sessions', {
      id: '00-expired',
      tokenHash: 'hash-expired',
      userId: john.user.id,
      profileId: null,
      method: 'password',
      createdAt: T0 - 86_400_000,
      expiresAt: T0 - 3_600_000,
      lastSeenAt: T0 - 86_400_000,
    });
    const minted = await passwordSignIn(ts, john);
    const after = await sessionsAfterCap(ts, john.user.id, T0);
    expect(after.ownLive).toHaveLength(keep);
    expect(after.ownLive).toContain(minted.session.id);
    // The oldest four of his own: he held three more than the most, and one more came.
    expect(after.signedOut).toEqual([
      '00-live-0000',
      '00-live-0001',
      '00-live-0002',
      '00-live-0003',
    ]);
    // Someone acting as him is not signed out by his sign-in, nor counted.
    expect(after.acting?.revokedAt).toBeNull();
    const expired = (await rowsOf(ts, 'sessions')).find((s) => s.id === '00-expired');
    expect(expired?.revokedAt).toBeNull();
  });

  it("signing out of an impersonation ends it, the actor's own session and what it started", async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    await ts.store.auth.endSession(
      signOutOf(w.samsOwn.session.id, w.sam.id, { id: 'imp-1', reason: 'actor_signed_out' }),
    );
    const sessions = await rowsOf(ts, 'sessions');
    const byId = (id: string) => sessions.find((s) => s.id === id);
    expect(byId(w.samsOwn.session.id)).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'signed_out',
    });
    expect(byId(w.acting.session.id)).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'impersonation_actor_signed_out',
    });
    const [impersonation] = await rowsOf(ts, 'impersonations');
    expect(impersonation).toMatchObject({ endedAt: T0 + MINUTE, endReason: 'actor_signed_out' });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['impersonation.ended', 'auth.signed_out']);
    expect(linked(trail)).toBe(true);
  });

  it("revoking the actor's own session elsewhere ends the impersonations it started", async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    await ts.store.auth.endSession({
      ...signOutOf(w.samsOwn.session.id, w.sam.id),
      reason: 'revoked_by_user',
      startedEndReason: 'actor_session_ended',
    });
    const [impersonation] = await rowsOf(ts, 'impersonations');
    expect(impersonation).toMatchObject({ endReason: 'actor_session_ended' });
    const acting = (await rowsOf(ts, 'sessions')).find((s) => s.id === w.acting.session.id);
    expect(acting?.revokedReason).toBe('impersonation_actor_session_ended');
  });

  it('lists live sessions newest first, page by page, with who acts in them', async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    const now = T0 + 5 * MINUTE;
    const older = await sessionFor(ts, w.jane.user.id, null, T0 - 2 * MINUTE);
    const revoked = await sessionFor(ts, w.jane.user.id, null, T0 - MINUTE);
    await ts.store.auth.endSession({ ...signOutOf(revoked.session.id, w.jane.user.id) });
    const idle = await sessionFor(ts, w.jane.user.id, null, T0 - 3 * MINUTE);
    const idleSince = T0 - 2.5 * MINUTE;
    const first = await ts.store.auth.liveSessions(w.jane.user.id, now, idleSince, { limit: 1 });
    // One more than asked: the page knows there is another.
    expect(first.map((r) => r.session.id)).toEqual([w.acting.session.id, older.session.id]);
    expect(first[0]?.actor).toEqual({ name: 'sam', kind: 'operator', operatorRole: 'support' });
    expect(first[0]?.organizationName).toBe(`Org of Jane@Acme.test`);
    expect(first[0]?.credential).toBeNull();
    const second = await ts.store.auth.liveSessions(w.jane.user.id, now, idleSince, {
      before: w.acting.session.id,
      limit: 1,
    });
    expect(second.map((r) => [r.session.id, r.actor, r.organizationName])).toEqual([
      [older.session.id, null, null],
    ]);
    expect(second.map((r) => r.session.id)).not.toContain(idle.session.id);
    // Past its expiry, nothing is live.
    const later = w.acting.session.expiresAt + 1;
    expect(await ts.store.auth.liveSessions(w.jane.user.id, later, 0, { limit: 10 })).toEqual([]);
    expect(await ts.store.auth.liveSessions(2 ** 40, now, 0, { limit: 10 })).toEqual([]);
  });
});

describe('auth store on several PostgreSQL processes', () => {
  it('a sign-in at the cap and a profile switch replacing the oldest session at once leave exactly the cap', async () => {
    const ts = await freshStore('postgres');
    const { john } = await world(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    await liveSessionsAtCap(ts, john.user.id, keep, T0);
    // Another audited write holds the chain head a moment: both commands queue at their end.
    const release = await holdRow(ts.url, 'SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
    const { pool: watcher } = openPostgres(ts.url, { max: 1 });
    try {
      const switching = ts.store.profiles.switchTo({
        replacing: '00-live-0000',
        session: {
          userId: john.user.id,
          profileId: john.profile.id,
          method: 'password',
          now: T0,
          meta,
        },
        audit: {
          type: 'profile.switched',
          at: T0,
          actor: { userId: john.user.id, kind: 'customer' },
        },
        now: T0,
        meta,
      });
      await lockWaiters(watcher, 1);
      const signingIn = passwordSignIn(ts, john);
      await lockWaiters(watcher, 2);
      await release();
      await Promise.all([switching, signingIn]);
    } finally {
      await watcher.end();
    }
    const after = await sessionsAfterCap(ts, john.user.id, T0);
    expect(after.ownLive).toHaveLength(keep);
  });

  it('sign-ins at once from every process, at the most live sessions a person may hold, leave exactly that many', async () => {
    const ts = await freshStore('postgres');
    const { john } = await world(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    await liveSessionsAtCap(ts, john.user.id, keep, T0);
    await onSeveralProcesses(ts, 3, (stores) =>
      Promise.all(
        stores.flatMap((store) =>
          Array.from({ length: 8 }, () => passwordSignIn({ ...ts, store }, john)),
        ),
      ),
    );
    const after = await sessionsAfterCap(ts, john.user.id, T0);
    expect(after.ownLive).toHaveLength(keep);
    expect(after.signedOut).toHaveLength(24);
  });

  it('a sign-out sent to every process at once revokes once, and the trail stays one chain', async () => {
    const ts = await freshStore('postgres');
    const w = await world(ts);
    await onSeveralProcesses(ts, 3, (stores) =>
      Promise.all(
        stores.map((store) =>
          store.auth.endSession(
            signOutOf(w.samsOwn.session.id, w.sam.id, { id: 'imp-1', reason: 'actor_signed_out' }),
          ),
        ),
      ),
    );
    const trail = await auditTrail(ts);
    expect(trail.filter((e) => e.type === 'impersonation.ended')).toHaveLength(1);
    expect(linked(trail)).toBe(true);
    const own = (await rowsOf(ts, 'sessions')).find((s) => s.id === w.samsOwn.session.id);
    expect(own?.revokedAt).toBe(T0 + MINUTE);
  });
});
