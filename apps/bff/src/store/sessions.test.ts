import { describe, expect, it } from 'vitest';
import { sessionPolicy } from '../domain/sessions.ts';
import type { MintSessionInput } from '../lib/session-row.ts';
import { sha256 } from '../lib/tokens.ts';
import * as postgres from './postgres/sessions.ts';
import type { SessionRow } from './rows.ts';
import * as sqlite from './sqlite/sessions.ts';
import { customerWithProfile, insertRow, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;

/** Both adapters behind one shape, so each case below holds them to the same answers. */
function sessionsOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    return {
      mint: async (input: MintSessionInput) => sqlite.mintSession(db, input),
      byToken: async (token: string) => sqlite.findSessionByToken(db, token),
      byId: async (id: string) => sqlite.findSessionWithPartiesById(db, id),
      revoke: async (id: string, reason: string, now: number) =>
        sqlite.revokeSession(db, id, reason, now),
      touch: async (session: SessionRow, now: number) => sqlite.touchSession(db, session, now),
      revokeAllOf: async (userId: number, reason: string, now: number) =>
        sqlite.revokeSessionsOfUser(db, userId, reason, now),
    };
  }
  const { db } = ts;
  return {
    mint: (input: MintSessionInput) => postgres.mintSession(db, input),
    byToken: (token: string) => postgres.findSessionByToken(db, token),
    byId: (id: string) => postgres.findSessionWithPartiesById(db, id),
    revoke: (id: string, reason: string, now: number) =>
      postgres.revokeSession(db, id, reason, now),
    touch: (session: SessionRow, now: number) => postgres.touchSession(db, session, now),
    revokeAllOf: (userId: number, reason: string, now: number) =>
      postgres.revokeSessionsOfUser(db, userId, reason, now),
  };
}

async function sessionRow(ts: TestStore, id: string) {
  return (await rowsOf(ts, 'sessions')).find((s) => s.id === id);
}

describe.each(dialects)('sessions on %s', (dialect) => {
  it('a minted session is found by its token with its user, profile and organization', async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user, profile, organizationId } = await customerWithProfile(ts, {
      email: 'jane@acme.test',
    });
    const { token, session } = await sessions.mint({
      userId: user.id,
      profileId: profile.id,
      method: 'password',
      now: T0,
      meta: { ...meta, userAgent: 'x'.repeat(600) },
    });

    expect(session.tokenHash).toBe(sha256(token));
    expect(session.expiresAt).toBe(T0 + sessionPolicy.absoluteMs);
    expect(session.userAgent).toHaveLength(512);
    const found = await sessions.byToken(token);
    expect(found?.session).toEqual(session);
    expect(found?.user?.email).toBe('jane@acme.test');
    expect(found?.profile?.id).toBe(profile.id);
    expect(found?.profile?.permissions).toEqual(['orders:read']);
    expect(found?.organization?.id).toBe(organizationId);
    expect(await sessions.byId(session.id)).toEqual(found);
    expect(await sessions.byToken(`${token}x`)).toBeUndefined();
    expect(await sessions.byId('no-such-session')).toBeUndefined();
  });

  it('a session without a profile has none, nor an organization; a rotated one keeps its expiry', async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const { token, session } = await sessions.mint({
      userId: user.id,
      profileId: null,
      method: 'one_click',
      now: T0,
      meta,
      expiresAt: T0 + 5_000,
      via: { kind: 'one_click', credentialId: 'link-1' },
    });

    const found = await sessions.byToken(token);
    expect(found?.profile).toBeNull();
    expect(found?.organization).toBeNull();
    expect(found?.session).toMatchObject({
      expiresAt: T0 + 5_000,
      viaKind: 'one_click',
      viaCredentialId: 'link-1',
      impersonationId: null,
    });
    expect(session.id).toBe(found?.session.id);
  });

  it('a session is revoked once: a second revocation is refused and keeps the first reason', async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const { session } = await sessions.mint({
      userId: user.id,
      profileId: null,
      method: 'password',
      now: T0,
      meta,
    });

    expect(await sessions.revoke(session.id, 'signed_out', T0 + 1)).toBe(true);
    expect(await sessions.revoke(session.id, 'other', T0 + 2)).toBe(false);
    expect(await sessionRow(ts, session.id)).toMatchObject({
      revokedAt: T0 + 1,
      revokedReason: 'signed_out',
    });
  });

  it('twenty revocations of one session at once: exactly one succeeds', async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const { session } = await sessions.mint({
      userId: user.id,
      profileId: null,
      method: 'password',
      now: T0,
      meta,
    });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sessions.revoke(session.id, `reason-${i}`, T0 + i)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await sessionRow(ts, session.id)).toMatchObject({
      revokedAt: T0 + winner,
      revokedReason: `reason-${winner}`,
    });
  });

  it('last_seen_at is written only once the touch interval has passed', async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const { session } = await sessions.mint({
      userId: user.id,
      profileId: null,
      method: 'password',
      now: T0,
      meta,
    });

    await sessions.touch(session, T0 + sessionPolicy.touchEveryMs - 1);
    expect((await sessionRow(ts, session.id))?.lastSeenAt).toBe(T0);
    await sessions.touch(session, T0 + sessionPolicy.touchEveryMs);
    expect((await sessionRow(ts, session.id))?.lastSeenAt).toBe(T0 + sessionPolicy.touchEveryMs);
  });

  it("revoking a user's sessions ends their live ones only, and nobody else's", async () => {
    const ts = await freshStore(dialect);
    const sessions = sessionsOn(ts);
    const { user: jane } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const { user: john } = await customerWithProfile(ts, { email: 'john@acme.test' });
    const mint = (userId: number) =>
      sessions.mint({ userId, profileId: null, method: 'password', now: T0, meta });
    const first = await mint(jane.id);
    const second = await mint(jane.id);
    const johns = await mint(john.id);
    await sessions.revoke(first.session.id, 'signed_out', T0 + 1);

    await sessions.revokeAllOf(jane.id, 'user_disabled', T0 + 2);

    expect(await sessionRow(ts, first.session.id)).toMatchObject({
      revokedAt: T0 + 1,
      revokedReason: 'signed_out',
    });
    expect(await sessionRow(ts, second.session.id)).toMatchObject({
      revokedAt: T0 + 2,
      revokedReason: 'user_disabled',
    });
    expect((await sessionRow(ts, johns.session.id))?.revokedAt).toBeNull();
  });

  it('a session row written by hand reads back the same through the lookup', async () => {
    const ts = await freshStore(dialect);
    const { user } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const row = await insertRow(ts, 'sessions', {
      id: 'session-by-hand',
      tokenHash: sha256('by-hand'),
      userId: user.id,
      method: 'password',
      createdAt: T0,
      expiresAt: T0 + 10,
      lastSeenAt: T0,
    });
    expect((await sessionsOn(ts).byToken('by-hand'))?.session).toEqual(row);
  });
});
