import { describe, expect, it } from 'vitest';
import { sessionPolicy } from '../domain/sessions.ts';
import type { StartHandover } from '../features/impersonation/impersonation.store.ts';
import type { NewLink, RedeemLink } from '../features/one-click/one-click.store.ts';
import type { AuditEntry } from '../lib/audit-event.ts';
import { sha256 } from '../lib/tokens.ts';
import { statementsSentBy } from './postgres/test-round-trips.ts';
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
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

async function scene(ts: TestStore) {
  const agent = await operator(ts, 'agent@onbehalf.test', 'support');
  const alice = await customerWithProfile(ts, { email: 'Alice@Acme.test' });
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
  return { agent, alice, agentSession };
}

type Scene = Awaited<ReturnType<typeof scene>>;

function newLink(s: Scene, id: string, overrides: Partial<NewLink> = {}): NewLink {
  return {
    id,
    userId: s.alice.user.id,
    secretHash: sha256(`secret-${id}`),
    createdAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    credentialFingerprint: 'fp',
    createdByUserId: s.agent.id,
    createdByApiKeyId: null,
    delivery: 'email',
    purpose: 'delivered',
    profileId: null,
    reason: null,
    ticket: null,
    ...overrides,
  };
}

const issued = (id: string): AuditEntry => ({
  type: 'one_click.issued',
  at: T0,
  actor: { userId: null, kind: 'system' },
  details: { linkId: id },
});

async function issue(store: Store, s: Scene, id: string, overrides: Partial<NewLink> = {}) {
  await store.oneClick.issue({ link: newLink(s, id, overrides), audit: [issued(id)], meta });
}

/** The session Alice's browser had before she redeems, which a redemption may replace. */
function browserSession(ts: TestStore, s: Scene) {
  return insertRow(ts, 'sessions', {
    id: 'old-session',
    tokenHash: sha256('old-token'),
    userId: s.alice.user.id,
    profileId: s.alice.profile.id,
    method: 'password',
    createdAt: T0,
    expiresAt: T0 + 600 * MINUTE,
    lastSeenAt: T0,
  });
}

function redemption(s: Scene, id: string, replacing: string | null = null): RedeemLink {
  const now = T0 + MINUTE;
  return {
    linkId: id,
    session: {
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'one_click',
      now,
      meta,
    },
    replacing,
    attempt: {
      kind: 'one_click',
      oneClickLinkId: id,
      userId: s.alice.user.id,
      outcome: 'success',
      at: now,
    },
    audit: {
      type: 'one_click.redeemed',
      at: now,
      actor: { userId: s.alice.user.id, kind: 'customer' },
      subjectUserId: s.alice.user.id,
      details: { linkId: id },
    },
    now,
    meta,
  };
}

function handoverStart(s: Scene, impersonationId: string, linkId: string): StartHandover {
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
      credentialKind: 'one_click',
      credentialId: linkId,
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

const linkRow = async (ts: TestStore, id: string) =>
  (await rowsOf(ts, 'oneClickLinks')).find((l) => l.id === id);

describe.each(dialects)('the one-click port on %s', (dialect) => {
  it('reads people, their profiles, organizations and links', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const second = await customerWithProfile(ts, { email: 'bob@other.test' });
    const later = await insertRow(ts, 'profiles', {
      userId: s.alice.user.id,
      organizationId: second.organizationId,
      role: 'member',
      permissions: ['orders:read'],
      createdAt: 0,
    });
    expect((await ts.store.oneClick.findUser(s.alice.user.id))?.email).toBe('Alice@Acme.test');
    expect(await ts.store.oneClick.findUser(9999)).toBeUndefined();
    // An id the API accepts but no integer column holds: nothing, on either database.
    expect(await ts.store.oneClick.findUser(2 ** 40)).toBeUndefined();
    expect(await ts.store.oneClick.findOrganization(2 ** 40)).toBeUndefined();
    expect(await ts.store.oneClick.profilesOf(2 ** 40)).toEqual([]);
    expect((await ts.store.oneClick.findUserByEmail('alice@acme.test'))?.id).toBe(s.alice.user.id);
    expect(await ts.store.oneClick.findUserByEmail('nobody@acme.test')).toBeUndefined();
    const profiles = await ts.store.oneClick.profilesOf(s.alice.user.id);
    expect(profiles.map((p) => [p.profile.id, p.organization.id])).toEqual([
      [s.alice.profile.id, s.alice.organizationId],
      [later.id, second.organizationId],
    ]);
    expect((await ts.store.oneClick.findOrganization(s.alice.organizationId))?.name).toBe(
      'Org of Alice@Acme.test',
    );
    await issue(ts.store, s, 'L1');
    const found = await ts.store.oneClick.findBySecretHash(sha256('secret-L1'));
    expect(found?.link.id).toBe('L1');
    expect(found?.user.id).toBe(s.alice.user.id);
    expect(await ts.store.oneClick.findBySecretHash(sha256('other'))).toBeUndefined();
    const maker = await ts.store.oneClick.makerOf(
      { createdByUserId: s.agent.id, createdByApiKeyId: null },
      s.alice.user.id,
    );
    expect(maker.display).toMatchObject({ kind: 'operator', name: 'agent' });
  });

  it('issues a link with its audit entries, in order', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const requested: AuditEntry = {
      type: 'one_click.requested',
      at: T0,
      actor: { userId: null, kind: 'anonymous' },
      details: { outcome: 'sent' },
    };
    await ts.store.oneClick.issue({
      link: newLink(s, 'L1'),
      audit: [requested, issued('L1')],
      meta,
    });
    expect(await linkRow(ts, 'L1')).toMatchObject({ usedAt: null, revokedAt: null });
    await ts.store.oneClick.recordRequested({
      audit: { ...requested, details: { outcome: 'unknown_address' } },
      meta,
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.details?.outcome ?? null])).toEqual([
      ['one_click.requested', 'sent'],
      ['one_click.issued', null],
      ['one_click.requested', 'unknown_address'],
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('provisions a person once, with what is built from their ids', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const provision = (email: string) =>
      ts.store.oneClick.provision({
        user: { email, name: 'Dana' },
        profile: {
          organizationId: s.alice.organizationId,
          role: 'member',
          permissions: ['orders:read'],
        },
        now: T0,
        records: ({ user, profileId }) => ({
          link: newLink(s, 'W1', { userId: user.id }),
          audit: [
            {
              type: 'user.provisioned',
              at: T0,
              actor: { userId: null, kind: 'system' },
              subjectUserId: user.id,
              details: { profileId },
            } satisfies AuditEntry,
            issued('W1'),
          ],
          profileId,
        }),
        meta,
      });
    const created = await provision('dana@acme.test');
    if (created === 'exists') throw new Error('a new address was taken');
    expect(created.user).toMatchObject({ email: 'dana@acme.test', kind: 'customer' });
    expect(created.records.profileId).toBe(created.profileId);
    expect((await linkRow(ts, 'W1'))?.userId).toBe(created.user.id);
    const profile = (await rowsOf(ts, 'profiles')).find((p) => p.id === created.profileId);
    expect(profile).toMatchObject({ userId: created.user.id, role: 'member', sortName: 'dana' });

    expect(await provision('DANA@acme.test')).toBe('exists');
    expect((await rowsOf(ts, 'users')).filter((u) => u.name === 'Dana')).toHaveLength(1);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'user.provisioned',
      'one_click.issued',
    ]);
  });

  it('records a failed attempt with its audit entry', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await ts.store.oneClick.recordFailure({
      attempt: {
        kind: 'one_click',
        oneClickLinkId: null,
        userId: null,
        outcome: 'invalid',
        at: T0,
      },
      audit: {
        type: 'one_click.failed',
        at: T0,
        actor: { userId: null, kind: 'anonymous' },
        details: { outcome: 'invalid', claimedUserId: s.alice.user.id },
      },
      meta,
      repeats: 'invalid',
    });
    const attempts = await rowsOf(ts, 'loginAttempts');
    expect(attempts.map((a) => [a.kind, a.outcome, a.ip])).toEqual([
      ['one_click', 'invalid', meta.ip],
    ]);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['one_click.failed']);
  });

  it('replacing a session ends the impersonations started from it, each audited, the chain whole', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'L1');
    const old = await browserSession(ts, s);
    // Started from the session the browser had: its actor is the one redeeming.
    await insertRow(ts, 'impersonations', {
      id: 'imp-from-old',
      door: 'team',
      actorUserId: s.alice.user.id,
      actorSessionId: old.id,
      targetUserId: s.agent.id,
      targetProfileId: null,
      organizationId: s.alice.organizationId,
      reason: 'checking an order',
      handoffTokenHash: 'handoff-imp-from-old',
      handoffExpiresAt: T0 + MINUTE,
      handoffUsedAt: T0,
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + 30 * MINUTE,
    });
    const redeemed = await ts.store.oneClick.redeem(redemption(s, 'L1', old.id));
    if (redeemed === 'lost_race') throw new Error('the redemption lost');
    const [ended] = await rowsOf(ts, 'impersonations');
    expect(ended).toMatchObject({ endReason: 'actor_session_ended', endedAt: T0 + MINUTE });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type).slice(-2)).toEqual([
      'impersonation.ended',
      'one_click.redeemed',
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('redeems a link once, replacing the session this browser had', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'L1');
    const old = await browserSession(ts, s);
    const first = await ts.store.oneClick.redeem(redemption(s, 'L1', old.id));
    if (first === 'lost_race') throw new Error('the first redemption lost');
    expect(first.session).toMatchObject({ userId: s.alice.user.id, method: 'one_click' });
    expect(first.session.tokenHash).toBe(sha256(first.token));
    expect((await linkRow(ts, 'L1'))?.usedAt).toBe(T0 + MINUTE);

    // A lost race changes nothing, not even the session it would have replaced.
    expect(await ts.store.oneClick.redeem(redemption(s, 'L1', s.agentSession.id))).toBe(
      'lost_race',
    );
    const sessions = await rowsOf(ts, 'sessions');
    expect(sessions.find((r) => r.id === old.id)).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'replaced',
    });
    expect(sessions.find((r) => r.id === s.agentSession.id)?.revokedAt).toBeNull();
    expect(sessions.filter((r) => r.method === 'one_click').map((r) => r.id)).toEqual([
      first.session.id,
    ]);
    expect((await rowsOf(ts, 'loginAttempts')).map((a) => a.outcome)).toEqual(['success']);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'one_click.issued',
      'one_click.redeemed',
    ]);
  });

  it('a redeemed link keeps its person within the most live sessions', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const keep = sessionPolicy.maxLivePerPerson;
    await liveSessionsAtCap(ts, s.alice.user.id, keep, T0);
    await issue(ts.store, s, 'L1');
    const redeemed = await ts.store.oneClick.redeem(redemption(s, 'L1'));
    if (redeemed === 'lost_race') throw new Error('the redemption lost');
    const after = await sessionsAfterCap(ts, s.alice.user.id, T0 + MINUTE);
    expect(after.ownLive).toHaveLength(keep);
    expect(after.ownLive).toContain(redeemed.session.id);
    expect(after.signedOut).toEqual(['00-live-0000']);
    expect(after.acting?.revokedAt).toBeNull();
  });

  it('does not redeem a withdrawn link', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'L1');
    await ts.store.oneClick.withdrawUndelivered({
      credential: { kind: 'one_click', id: 'L1' },
      audit: {
        type: 'mail.failed',
        at: T0,
        actor: { userId: null, kind: 'system' },
        details: { credential: { kind: 'one_click', id: 'L1' } },
      },
      now: T0,
      meta,
    });
    expect(await linkRow(ts, 'L1')).toMatchObject({
      revokedAt: T0,
      revokedReason: 'undelivered',
    });
    expect(await ts.store.oneClick.redeem(redemption(s, 'L1'))).toBe('lost_race');
    expect((await rowsOf(ts, 'sessions')).map((r) => r.id)).toEqual([s.agentSession.id]);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['one_click.issued', 'mail.failed']);
  });

  it('withdraws an undelivered login token and audits the failure with it', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const token = await insertRow(ts, 'loginTokens', {
      secretHash: sha256('token-secret'),
      profileId: s.alice.profile.id,
      createdAt: T0,
      expiresAt: T0 + 60 * MINUTE,
      oneTimeUse: true,
      use: 'email',
    });
    const audit: AuditEntry = {
      type: 'mail.failed',
      at: T0,
      actor: { userId: null, kind: 'system' },
      details: { credential: { kind: 'login_token', id: String(token.id) } },
    };
    await ts.store.oneClick.withdrawUndelivered({
      credential: { kind: 'login_token', id: String(token.id) },
      audit,
      now: T0,
      meta,
    });
    const [row] = await rowsOf(ts, 'loginTokens');
    expect(row).toMatchObject({ deletedAt: T0, secretHash: null, revokedReason: 'undelivered' });
    await ts.store.oneClick.recordMailed({
      audit: { ...audit, type: 'login_token.emailed' },
      meta,
    });
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'mail.failed',
      'login_token.emailed',
    ]);
  });

  it('redeems a support handover once: the link, the attempt and the impersonation', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'L1', { purpose: 'support', profileId: s.alice.profile.id });
    const redeemed = (impersonationId: string) => {
      const { attempt, audit, now } = redemption(s, 'L1');
      return ts.store.oneClick.redeemHandover({
        linkId: 'L1',
        attempt,
        audit: { ...audit, sessionId: null },
        start: handoverStart(s, impersonationId, 'L1'),
        now,
        meta,
      });
    };
    const first = await redeemed('I1');
    if (first === 'lost_race') throw new Error('the first redemption lost');
    expect(first.session).toMatchObject({ method: 'impersonation', impersonationId: 'I1' });
    expect(await ts.store.impersonation.findById('I1')).toMatchObject({
      sessionId: first.session.id,
      credentialKind: 'one_click',
      credentialId: 'L1',
      startedAt: T0 + MINUTE,
    });
    expect(await redeemed('I2')).toBe('lost_race');
    expect(await ts.store.impersonation.findById('I2')).toBeUndefined();
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'one_click.issued',
      'one_click.redeemed',
      'impersonation.started',
    ]);
  });
});

describe('the one-click port on several PostgreSQL processes', () => {
  it('of concurrent redemptions of one link exactly one opens a session', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'L1');
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store) => store.oneClick.redeem(redemption(s, 'L1'))),
      );
      expect(outcomes.filter((o) => o !== 'lost_race')).toHaveLength(1);
      const sessions = await rowsOf(ts, 'sessions');
      expect(sessions.filter((r) => r.method === 'one_click')).toHaveLength(1);
      expect(await rowsOf(ts, 'loginAttempts')).toHaveLength(1);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'one_click.redeemed')).toHaveLength(1);
      expect(linked(trail)).toBe(true);
    });
  });

  it('of concurrent redemptions of one support link exactly one starts an impersonation', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'L1', { purpose: 'support', profileId: s.alice.profile.id });
    await onSeveralProcesses(ts, 4, async (stores) => {
      const { attempt, audit, now } = redemption(s, 'L1');
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store, i) =>
          store.oneClick.redeemHandover({
            linkId: 'L1',
            attempt,
            audit: { ...audit, sessionId: null },
            start: handoverStart(s, `I${i}`, 'L1'),
            now,
            meta,
          }),
        ),
      );
      expect(outcomes.filter((o) => o !== 'lost_race')).toHaveLength(1);
      expect((await rowsOf(ts, 'sessions')).filter((r) => r.impersonationId)).toHaveLength(1);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'impersonation.started')).toHaveLength(1);
      expect(trail.filter((e) => e.type === 'one_click.redeemed')).toHaveLength(1);
    });
  });

  it('of concurrent provisionings of one address exactly one creates the person', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store, i) =>
          store.oneClick.provision({
            user: { email: i % 2 ? 'dana@acme.test' : 'Dana@Acme.test', name: 'Dana' },
            profile: {
              organizationId: s.alice.organizationId,
              role: 'member',
              permissions: ['orders:read'],
            },
            now: T0,
            records: ({ user }) => ({
              link: null,
              audit: [
                {
                  type: 'user.provisioned',
                  at: T0,
                  actor: { userId: null, kind: 'system' },
                  subjectUserId: user.id,
                } satisfies AuditEntry,
              ],
            }),
            meta,
          }),
        ),
      );
      expect(outcomes.filter((o) => o !== 'exists')).toHaveLength(1);
      expect((await rowsOf(ts, 'users')).filter((u) => u.name === 'Dana')).toHaveLength(1);
      expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['user.provisioned']);
    });
  });
});

describe('the one-click port on PostgreSQL', () => {
  it('redeems in six statements between BEGIN and COMMIT and three waits: BEGIN, the claim, the person’s turn, room for the session, the session and the head’s lock go together, then the append with COMMIT', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'L1');
    const sent = await statementsSentBy(ts, (store) => store.oneClick.redeem(redemption(s, 'L1')));
    const redeemed = sent.result;
    expect(sent.names).toEqual([
      'BEGIN',
      'one_click_claim',
      'session_minting_for',
      'session_room_for_own',
      'redeemed_session_open',
      'audit_head_lock',
      'audit_append',
      'COMMIT',
    ]);
    expect(sent.behind).toEqual([
      'one_click_claim',
      'session_minting_for',
      'session_room_for_own',
      'redeemed_session_open',
      'audit_head_lock',
      'COMMIT',
    ]);
    if (redeemed === 'lost_race') throw new Error('the redemption lost');
    const [session] = await rowsOf(ts, 'sessions').then((rows) =>
      rows.filter((r) => r.method === 'one_click'),
    );
    expect(session).toMatchObject({ id: redeemed.session.id, userId: s.alice.user.id });
    expect(await rowsOf(ts, 'loginAttempts')).toEqual([
      expect.objectContaining({ oneClickLinkId: 'L1', outcome: 'success', ip: meta.ip }),
    ]);
    const events = await rowsOf(ts, 'auditEvents');
    expect(events.at(-1)).toMatchObject({ type: 'one_click.redeemed', sessionId: session?.id });
    expect(linked(await auditTrail(ts))).toBe(true);
  });
});
