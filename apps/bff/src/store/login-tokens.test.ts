import { describe, expect, it } from 'vitest';
import { sessionPolicy } from '../domain/sessions.ts';
import type { StartHandover } from '../features/impersonation/impersonation.store.ts';
import {
  type NewToken,
  type RedeemToken,
  TOKEN_SEARCH_IDS,
} from '../features/login-tokens/login-tokens.store.ts';
import type { AuditEntry } from '../lib/audit-event.ts';
import { sha256 } from '../lib/tokens.ts';
import type { Store } from './store.ts';
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
  updateRows,
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

async function scene(ts: TestStore) {
  const agent = await operator(ts, 'agent@onbehalf.test', 'support');
  const alice = await customerWithProfile(ts, { email: 'alice@acme.test' });
  const other = await customerWithProfile(ts, { email: 'carol@other.test' });
  const agentSession = await insertRow(ts, 'sessions', {
    id: 'agent-session',
    tokenHash: sha256('agent-token'),
    userId: agent.id,
    profileId: null,
    method: 'password',
    createdAt: T0,
    expiresAt: T0 + 600 * MINUTE,
    lastSeenAt: T0,
  });
  return { agent, alice, other, agentSession };
}

type Scene = Awaited<ReturnType<typeof scene>>;

function newToken(s: Scene, overrides: Partial<NewToken> = {}): NewToken {
  return {
    secretHash: sha256('secret'),
    profileId: s.alice.profile.id,
    createdAt: T0,
    createdByUserId: s.agent.id,
    createdByApiKeyId: null,
    expiresAt: T0 + 60 * MINUTE,
    oneTimeUse: true,
    extra: null,
    use: 'email',
    reason: null,
    ticket: null,
    credentialFingerprint: null,
    ...overrides,
  };
}

const created = (tokenId: number): AuditEntry => ({
  type: 'login_token.created',
  at: T0,
  actor: { userId: null, kind: 'system' },
  details: { loginTokenId: tokenId },
});

async function create(store: Store, s: Scene, overrides: Partial<NewToken> = {}) {
  const id = await store.loginTokens.create({
    token: newToken(s, overrides),
    audit: created,
    meta,
  });
  if (id === 'too_many') throw new Error('no room was asked for');
  return id;
}

function redemption(
  s: Scene,
  id: number,
  oneTimeUse: boolean,
  now = T0 + MINUTE,
  replacing: string | null = null,
): RedeemToken {
  return {
    id,
    oneTimeUse,
    session: {
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'login_token',
      now,
      meta,
    },
    replacing,
    attempt: { kind: 'login_token', loginTokenId: id, userId: null, outcome: 'success', at: now },
    audit: {
      type: 'login_token.used',
      at: now,
      actor: { userId: s.alice.user.id, kind: 'customer' },
      details: { loginTokenId: id },
    },
    now,
    meta,
  };
}

function handoverStart(s: Scene, impersonationId: string, tokenId: number): StartHandover {
  const now = T0 + MINUTE;
  const endsAt = now + 30 * MINUTE;
  return {
    impersonation: {
      id: impersonationId,
      door: 'operator',
      actorUserId: s.agent.id,
      actorProfileId: null,
      actorSessionId: s.agentSession.id,
      targetUserId: s.alice.user.id,
      targetProfileId: s.alice.profile.id,
      organizationId: s.alice.organizationId,
      reason: 'ticket 42',
      ticket: null,
      handoffTokenHash: sha256('thrown away'),
      handoffExpiresAt: now,
      handoffUsedAt: now,
      issuedAt: now,
      startedAt: now,
      endsAt,
      endedAt: null,
      endReason: null,
      credentialKind: 'login_token',
      credentialId: String(tokenId),
    },
    session: {
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'impersonation',
      now,
      meta,
      expiresAt: endsAt,
      impersonationId,
    },
    audit: {
      type: 'impersonation.started',
      at: now,
      actor: { userId: s.agent.id, kind: 'operator' },
      subjectUserId: s.alice.user.id,
      impersonationId,
      details: { door: 'operator' },
    },
  };
}

const tokenRow = async (ts: TestStore, id: number) =>
  (await rowsOf(ts, 'loginTokens')).find((t) => t.id === id);

describe.each(dialects)('the login-tokens port on %s', (dialect) => {
  it('writes one more credential for a person only while they have room, counted as it writes', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const room = { userId: s.alice.user.id, cap: 5 };
    const attempt = (store: Store, i: number) =>
      store.loginTokens.create({
        token: newToken(s, { secretHash: sha256(`burst-${i}`) }),
        audit: created,
        meta,
        room,
      });
    // Ones past their life, used up or deleted take no room.
    await create(ts.store, s, { secretHash: sha256('old'), expiresAt: T0 - MINUTE });
    await create(ts.store, s, { secretHash: sha256('deleted') }).then((id) =>
      ts.store.loginTokens.remove({
        id,
        audit: { ...created(id), type: 'login_token.deleted' },
        now: T0,
        meta,
      }),
    );
    // A burst of creations at once, from four processes on PostgreSQL: exactly the room's worth.
    const outcomes =
      ts.dialect === 'postgres'
        ? await onSeveralProcesses(ts, 4, (stores) =>
            Promise.all(Array.from({ length: 16 }, (_, i) => attempt(stores[i % 4] as Store, i))),
          )
        : await Promise.all(Array.from({ length: 16 }, (_, i) => attempt(ts.store, i)));
    expect(outcomes.filter((o) => o !== 'too_many')).toHaveLength(5);
    const live = (await rowsOf(ts, 'loginTokens')).filter(
      (t) => t.deletedAt === null && t.expiresAt > T0,
    );
    expect(live).toHaveLength(5);
    // Each written one audited, no refused one.
    const trail = await auditTrail(ts);
    expect(trail.filter((e) => e.type === 'login_token.created')).toHaveLength(7);
    expect(linked(trail)).toBe(true);
  });

  it('creates a token, audited with the id it was given', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s);
    expect(await tokenRow(ts, id)).toMatchObject({
      secretHash: sha256('secret'),
      successfulAttempts: 0,
      failedAttempts: 0,
      usedUpAt: null,
      deletedAt: null,
    });
    const found = await ts.store.loginTokens.find(id);
    expect(found?.user?.id).toBe(s.alice.user.id);
    expect(found?.organization?.id).toBe(s.alice.organizationId);
    expect(found?.creatorName).toBe('agent');
    expect(await ts.store.loginTokens.find(id + 100)).toBeUndefined();
    // A token id the `{id}.{secret}` format allows but no integer column holds: none.
    expect(await ts.store.loginTokens.find(999_999_999_999_999)).toBeUndefined();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.details?.loginTokenId])).toEqual([
      ['login_token.created', id],
    ]);
  });

  it('a search covers a bounded range of ids per read, and says where the next goes on', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    // Two tokens holding the word, further apart than one read covers, and one between.
    const old = await create(ts.store, s, { extra: 'needle, old' });
    await updateRows(ts, 'loginTokens', { id: 1 }, { id: old });
    const between = await create(ts.store, s, { extra: 'hay' });
    await updateRows(ts, 'loginTokens', { id: TOKEN_SEARCH_IDS }, { id: between });
    const recent = await create(ts.store, s, { extra: 'needle, recent' });
    await updateRows(ts, 'loginTokens', { id: TOKEN_SEARCH_IDS + 50_000 }, { id: recent });
    const read = (before?: number) =>
      ts.store.loginTokens.list({ now: T0, scope: null, query: 'needle', before, limit: 10 });
    const first = await read();
    expect(first.rows.map((r) => r.token.id)).toEqual([TOKEN_SEARCH_IDS + 50_000]);
    expect(first.resumeBelow).toBe(50_001);
    const next = await read(first.resumeBelow ?? undefined);
    expect(next.rows.map((r) => r.token.id)).toEqual([1]);
    expect(next.resumeBelow).toBeNull();
    // Without a search, the page is read as it always was, and goes on from its last row.
    expect(
      (await ts.store.loginTokens.list({ now: T0, scope: null, limit: 10 })).resumeBelow,
    ).toBeNull();
  });

  it('pages newest first, with the same cursor, filters and search', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await create(ts.store, s, { extra: `Batch ${i}` }));
    const otherId = await create(ts.store, s, {
      profileId: s.other.profile.id,
      extra: '100% sure',
      expiresAt: T0,
    });
    const list = (page: Partial<Parameters<Store['loginTokens']['list']>[0]> = {}) =>
      ts.store.loginTokens
        .list({ now: T0 + MINUTE, scope: null, limit: 2, ...page })
        .then(({ rows }) => rows.map((r) => r.token.id));
    expect(await list()).toEqual([otherId, ids[4], ids[3]]);
    expect(await list({ before: ids[4] })).toEqual([ids[3], ids[2], ids[1]]);
    expect(await list({ before: ids[1] })).toEqual([ids[0]]);
    expect(await list({ state: 'expired', limit: 10 })).toEqual([otherId]);
    expect(await list({ state: 'active', limit: 10 })).toEqual([...ids].reverse());
    expect(await list({ query: 'batch 3', limit: 10 })).toEqual([ids[3]]);
    expect(await list({ query: '%', limit: 10 })).toEqual([otherId]);
    expect(await list({ query: 'ORG OF CAROL', limit: 10 })).toEqual([otherId]);
    const scope = { organizationIds: [s.other.organizationId], apiKeyId: 'key-1' };
    expect(await list({ scope, limit: 10 })).toEqual([otherId]);
  });

  it("finds a token only where its scope sees it, by the list's own rule", async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const elsewhere = await create(ts.store, s);
    const inScope = await create(ts.store, s, { profileId: s.other.profile.id });
    const support = await create(ts.store, s, { profileId: s.other.profile.id, use: 'support' });
    const madeByKey = await create(ts.store, s, { createdByApiKeyId: 'key-1' });
    const scope = { organizationIds: [s.other.organizationId], apiKeyId: 'key-1' };
    const { rows: listed } = await ts.store.loginTokens.list({ now: T0, scope, limit: 10 });
    expect(listed.map((r) => r.token.id)).toEqual([madeByKey, inScope]);
    const found = async (id: number) => (await ts.store.loginTokens.find(id, scope))?.token.id;
    expect(await found(inScope)).toBe(inScope);
    expect(await found(madeByKey)).toBe(madeByKey);
    expect(await found(elsewhere)).toBeUndefined();
    expect(await found(support)).toBeUndefined();
    // Without a scope, every token.
    expect((await ts.store.loginTokens.find(support))?.token.id).toBe(support);
  });

  it('deletes once: the secret wiped, the sessions it opened revoked, audited', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s, { use: 'integration', oneTimeUse: false });
    await insertRow(ts, 'sessions', {
      id: 'opened',
      tokenHash: sha256('opened-token'),
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'login_token',
      createdAt: T0,
      expiresAt: T0 + 600 * MINUTE,
      lastSeenAt: T0,
      viaKind: 'login_token',
      viaCredentialId: String(id),
    });
    // One it opened that ended before: its end is history, never rewritten (mutation review).
    await insertRow(ts, 'sessions', {
      id: 'signed-out',
      tokenHash: sha256('signed-out-token'),
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'login_token',
      createdAt: T0,
      expiresAt: T0 + 600 * MINUTE,
      lastSeenAt: T0,
      revokedAt: T0 + 1,
      revokedReason: 'signed_out',
      viaKind: 'login_token',
      viaCredentialId: String(id),
    });
    const remove = (now: number) =>
      ts.store.loginTokens.remove({
        id,
        audit: {
          type: 'login_token.deleted',
          at: now,
          actor: { userId: s.agent.id, kind: 'operator' },
          details: { loginTokenId: id },
        },
        now,
        meta,
      });
    expect(await remove(T0 + MINUTE)).toBe('deleted');
    expect(await remove(T0 + 2 * MINUTE)).toBe('already_deleted');
    expect(await tokenRow(ts, id)).toMatchObject({ deletedAt: T0 + MINUTE, secretHash: null });
    const signedOut = (await rowsOf(ts, 'sessions')).find((r) => r.id === 'signed-out');
    expect(signedOut).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'signed_out' });
    const opened = (await rowsOf(ts, 'sessions')).find((r) => r.id === 'opened');
    expect(opened).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'credential_withdrawn',
    });
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'login_token.created',
      'login_token.deleted',
    ]);
  });

  it('records failures, counted on the token when there is one', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s);
    // A minute apart: the repeats of a minute are counted, not written (below).
    const T1 = T0 + 60_000;
    const T2 = T0 + 120_000;
    const failure = (tokenId: number | null, at: number) =>
      ts.store.loginTokens.recordFailure({
        tokenId,
        attempt: {
          kind: 'login_token',
          loginTokenId: tokenId,
          userId: null,
          outcome: 'wrong_secret',
          at,
        },
        audit: {
          type: 'login_token.failed',
          at,
          actor: { userId: null, kind: 'anonymous' },
          details: { loginTokenId: tokenId },
        },
        now: at,
        meta,
        repeats: `wrong_secret:${tokenId}`,
      });
    await failure(id, T1);
    await failure(id, T2);
    await failure(null, T2 + 1);
    expect(await tokenRow(ts, id)).toMatchObject({ failedAttempts: 2, lastAccessedAt: T2 });
    // Newest first, a page and one more; the next page starts below the last id shown.
    const attempts = await ts.store.loginTokens.attempts(id, { limit: 1 });
    expect(attempts.map(({ id: _, ...a }) => a)).toEqual([
      { at: T2, outcome: 'wrong_secret', ip: meta.ip, userAgent: meta.userAgent },
      { at: T1, outcome: 'wrong_secret', ip: meta.ip, userAgent: meta.userAgent },
    ]);
    const below = await ts.store.loginTokens.attempts(id, { before: attempts[0]?.id, limit: 1 });
    expect(below.map((a) => a.at)).toEqual([T1]);
    expect(await ts.store.loginTokens.attempts(id, { limit: 10 })).toHaveLength(2);
    expect((await auditTrail(ts)).filter((e) => e.type === 'login_token.failed')).toHaveLength(3);
  });

  it('redeems a one-time token once, replacing the session this browser had', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s);
    const first = await ts.store.loginTokens.redeem(
      redemption(s, id, true, T0 + MINUTE, s.agentSession.id),
    );
    if (first === 'lost_race') throw new Error('the first redemption lost');
    expect(first.session).toMatchObject({ userId: s.alice.user.id, method: 'login_token' });
    expect(await ts.store.loginTokens.redeem(redemption(s, id, true, T0 + 2 * MINUTE))).toBe(
      'lost_race',
    );
    expect(await tokenRow(ts, id)).toMatchObject({
      usedUpAt: T0 + MINUTE,
      successfulAttempts: 1,
      lastAccessedAt: T0 + MINUTE,
    });
    const sessions = await rowsOf(ts, 'sessions');
    expect(sessions.find((r) => r.id === s.agentSession.id)?.revokedReason).toBe('replaced');
    expect(sessions.filter((r) => r.method === 'login_token').map((r) => r.id)).toEqual([
      first.session.id,
    ]);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'login_token.created',
      'login_token.used',
    ]);
  });

  it('a token deleted after its redemption read it is not claimed: no session (mutation review)', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    for (const oneTimeUse of [true, false]) {
      const id = await create(ts.store, s, { oneTimeUse });
      // The redemption has read the token; a delete commits before its claim.
      const removed = await ts.store.loginTokens.remove({
        id,
        audit: {
          type: 'login_token.deleted',
          at: T0 + 1,
          actor: { userId: s.agent.id, kind: 'operator' },
          details: { loginTokenId: id },
        },
        now: T0 + 1,
        meta,
      });
      expect(removed).toBe('deleted');
      expect(await ts.store.loginTokens.redeem(redemption(s, id, oneTimeUse, T0 + 2))).toBe(
        'lost_race',
      );
    }
    expect((await rowsOf(ts, 'sessions')).filter((r) => r.method === 'login_token')).toEqual([]);
  });

  it("a reusable token's uses keep its person within the most live sessions", async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    await liveSessionsAtCap(ts, s.alice.user.id, keep - 1, T0);
    const id = await create(ts.store, s, { oneTimeUse: false });
    const first = await ts.store.loginTokens.redeem(redemption(s, id, false, T0 + 1));
    // The most, the new one counted: nobody signed out yet.
    expect((await sessionsAfterCap(ts, s.alice.user.id, T0)).signedOut).toEqual([]);
    const second = await ts.store.loginTokens.redeem(redemption(s, id, false, T0 + 2));
    if (first === 'lost_race' || second === 'lost_race') throw new Error('a use lost');
    const after = await sessionsAfterCap(ts, s.alice.user.id, T0);
    expect(after.ownLive).toHaveLength(keep);
    expect(after.ownLive).toEqual(expect.arrayContaining([first.session.id, second.session.id]));
    expect(after.signedOut).toEqual(['00-live-0000']);
    expect(after.acting?.revokedAt).toBeNull();
  });

  it("integrations' uses are capped together, apart from their person's own sessions", async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    await liveSessionsAtCap(ts, s.alice.user.id, keep, T0);
    // Two integrations' tokens for her: one used the most times and two more, then the other.
    const first = await create(ts.store, s, { oneTimeUse: false, use: 'integration' });
    const second = await create(ts.store, s, {
      oneTimeUse: false,
      use: 'integration',
      secretHash: sha256('second secret'),
    });
    const use = async (id: number, n: number) => {
      const command = redemption(s, id, false, T0 + n);
      const via = { kind: 'login_token' as const, credentialId: String(id) };
      const used = await ts.store.loginTokens.redeem({
        ...command,
        session: { ...command.session, via },
      });
      if (used === 'lost_race') throw new Error('a use lost');
      return used.session.id;
    };
    const opened: string[] = [];
    for (let n = 1; n <= keep + 2; n++) opened.push(await use(first, n));
    opened.push(await use(second, keep + 3));
    const after = await sessionsAfterCap(ts, s.alice.user.id, T0);
    // Her own hundred are all still there.
    expect(after.ownLive).toHaveLength(keep);
    expect(after.ownLive.every((id) => id.startsWith('00-live-'))).toBe(true);
    // The integrations' hundred, whichever opened them: the oldest three made room.
    const live = (await rowsOf(ts, 'sessions'))
      .filter((row) => row.viaCredentialId !== null && row.revokedAt === null)
      .map((row) => row.id);
    expect(live.sort()).toEqual(opened.slice(3).sort());
    expect(after.signedOut).toEqual(opened.slice(0, 3).sort());
  });

  it('redeems a reusable token until it expires', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s, { oneTimeUse: false });
    expect(await ts.store.loginTokens.redeem(redemption(s, id, false, T0 + 1))).not.toBe(
      'lost_race',
    );
    expect(await ts.store.loginTokens.redeem(redemption(s, id, false, T0 + 2))).not.toBe(
      'lost_race',
    );
    expect(await ts.store.loginTokens.redeem(redemption(s, id, false, T0 + 60 * MINUTE))).toBe(
      'lost_race',
    );
    expect(await tokenRow(ts, id)).toMatchObject({ usedUpAt: null, successfulAttempts: 2 });
    expect((await rowsOf(ts, 'loginAttempts')).map((a) => a.outcome)).toEqual([
      'success',
      'success',
    ]);
  });

  it('redeems a support token once into an impersonation', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const id = await create(ts.store, s, { use: 'support', reason: 'ticket 42' });
    const redeemed = (impersonationId: string) => {
      const { attempt, audit, now } = redemption(s, id, true);
      return ts.store.loginTokens.redeemHandover({
        id,
        oneTimeUse: true,
        attempt,
        audit: { ...audit, sessionId: null },
        start: handoverStart(s, impersonationId, id),
        now,
        meta,
      });
    };
    const first = await redeemed('I1');
    if (first === 'lost_race') throw new Error('the first redemption lost');
    expect(await ts.store.impersonation.findById('I1')).toMatchObject({
      sessionId: first.session.id,
      credentialKind: 'login_token',
      credentialId: String(id),
    });
    expect(await redeemed('I2')).toBe('lost_race');
    expect(await ts.store.impersonation.findById('I2')).toBeUndefined();
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'login_token.created',
      'login_token.used',
      'impersonation.started',
    ]);
  });

  it('finds subjects: active customers, in name order, only in the organizations given', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const zed = await customerWithProfile(ts, {
      email: 'zed@acme.test',
      organization: s.alice.organizationId,
    });
    const upper = await customerWithProfile(ts, {
      email: 'Bea@acme.test',
      organization: s.alice.organizationId,
    });
    const gone = await insertRow(ts, 'users', {
      email: 'gone@acme.test',
      name: 'gone',
      kind: 'customer',
      status: 'disabled',
      createdAt: 0,
    });
    await insertRow(ts, 'profiles', {
      userId: gone.id,
      organizationId: s.alice.organizationId,
      role: 'member',
      permissions: ['orders:read'],
      createdAt: 0,
    });
    const names = async (query: string, organizationIds?: readonly number[], limit = 10) =>
      (await ts.store.loginTokens.searchSubjects(query, organizationIds, limit)).map(
        (r) => r.profile.id,
      );
    // In name order whatever the case, as Admin › Users lists people.
    expect(await names('acme')).toEqual([s.alice.profile.id, upper.profile.id, zed.profile.id]);
    expect(await names('acme', [], 10)).toEqual([]);
    expect(await names('', [s.other.organizationId])).toEqual([s.other.profile.id]);
    expect(await names('acme', undefined, 2)).toEqual([s.alice.profile.id, upper.profile.id]);
    expect(await names('agent')).toEqual([]);
    // Found as Admin › Users finds people: every word typed, as a word or its start.
    expect(await names('AC')).toEqual([s.alice.profile.id, upper.profile.id, zed.profile.id]);
    expect(await names('cme')).toEqual([]);
    expect(await names('bea acme')).toEqual([upper.profile.id]);
    expect(await names('zed@acme.test')).toEqual([zed.profile.id]);
    expect(await names('"')).toEqual([]);
    const subject = await ts.store.loginTokens.subject(zed.profile.id);
    expect(subject?.user.email).toBe('zed@acme.test');
    expect(await ts.store.loginTokens.subject(9999)).toBeUndefined();
    expect(await ts.store.loginTokens.subject(2 ** 40)).toBeUndefined();
  });
});

describe('the login-tokens port on several PostgreSQL processes', () => {
  it('of concurrent redemptions of a one-time token exactly one opens a session', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    const id = await create(ts.store, s);
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store) => store.loginTokens.redeem(redemption(s, id, true))),
      );
      expect(outcomes.filter((o) => o !== 'lost_race')).toHaveLength(1);
      expect(await tokenRow(ts, id)).toMatchObject({ successfulAttempts: 1 });
      const sessions = await rowsOf(ts, 'sessions');
      expect(sessions.filter((r) => r.method === 'login_token')).toHaveLength(1);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'login_token.used')).toHaveLength(1);
      expect(linked(trail)).toBe(true);
    });
  });

  it('of concurrent redemptions of a support token exactly one starts an impersonation', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    const id = await create(ts.store, s, { use: 'support', reason: 'ticket 42' });
    await onSeveralProcesses(ts, 4, async (stores) => {
      const { attempt, audit, now } = redemption(s, id, true);
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store, i) =>
          store.loginTokens.redeemHandover({
            id,
            oneTimeUse: true,
            attempt,
            audit: { ...audit, sessionId: null },
            start: handoverStart(s, `I${i}`, id),
            now,
            meta,
          }),
        ),
      );
      expect(outcomes.filter((o) => o !== 'lost_race')).toHaveLength(1);
      expect((await rowsOf(ts, 'sessions')).filter((r) => r.impersonationId)).toHaveLength(1);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'impersonation.started')).toHaveLength(1);
    });
  });

  it('of concurrent deletions of one token exactly one deletes and audits it', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    const id = await create(ts.store, s);
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store) =>
          store.loginTokens.remove({
            id,
            audit: {
              type: 'login_token.deleted',
              at: T0 + 1,
              actor: { userId: s.agent.id, kind: 'operator' },
              details: { loginTokenId: id },
            },
            now: T0 + 1,
            meta,
          }),
        ),
      );
      expect(outcomes.filter((o) => o === 'deleted')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already_deleted')).toHaveLength(7);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'login_token.deleted')).toHaveLength(1);
    });
  });
});
