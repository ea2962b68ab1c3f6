import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newApiKeySecret } from '../lib/api-key-format.ts';
import type { CreatedBy } from '../lib/credential-facts.ts';
import { sha256 } from '../lib/tokens.ts';
import type { StartIn } from './keyset.ts';
import * as pg from './postgres/schema.ts';
import type { ImpersonationRow } from './rows.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, customerWithProfile, insertRow, operator, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

type NewImpersonation = typeof impersonations.$inferInsert;

async function insertImpersonation(ts: TestStore, values: NewImpersonation) {
  if (ts.dialect === 'sqlite') ts.db.insert(impersonations).values(values).run();
  else await ts.db.insert(pg.impersonations).values(values);
}

async function impersonation(ts: TestStore, id: string): Promise<ImpersonationRow | undefined> {
  if (ts.dialect === 'sqlite') {
    return ts.db.select().from(impersonations).where(eq(impersonations.id, id)).get();
  }
  return (await ts.db.select().from(pg.impersonations).where(eq(pg.impersonations.id, id)))[0];
}

/** Jane and John in one organization, Jane's own other organization, staff and a key. */
async function world(ts: TestStore) {
  const acme = await insertRow(ts, 'organizations', {
    name: 'Acme',
    kind: 'company',
    integrationsEnabled: true,
    createdAt: 0,
  });
  const jane = await customerWithProfile(ts, { email: 'jane@acme.test', organization: acme.id });
  const john = await customerWithProfile(ts, { email: 'john@acme.test', organization: acme.id });
  const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
  const key = await insertRow(ts, 'apiKeys', {
    id: newApiKeySecret().id,
    name: 'ERP punch-out',
    secretHash: sha256('secret'),
    scopes: ['one-click-links:create', 'login-tokens:manage'],
    organizationIds: [acme.id],
    createdAt: T0,
    createdByUserId: root.id,
    expiresAt: T0 + 30 * DAY,
  });
  let links = 0;
  const link = (
    userId: number,
    values: Partial<CreatedBy> & {
      id?: string;
      createdAt?: number;
      expiresAt?: number;
      usedAt?: number;
      revokedAt?: number;
      profileId?: number;
      purpose?: 'delivered' | 'support' | 'integration';
    } = {},
  ) =>
    insertRow(ts, 'oneClickLinks', {
      id: `link-${++links}`,
      userId,
      secretHash: sha256(`link-secret-${links}`),
      createdAt: T0,
      expiresAt: T0 + DAY,
      credentialFingerprint: 'fp',
      delivery: 'handover',
      purpose: 'integration',
      ...values,
    });
  let tokens = 0;
  const token = (
    profileId: number,
    values: Partial<CreatedBy> & {
      createdAt?: number;
      expiresAt?: number;
      deletedAt?: number;
      usedUpAt?: number;
      use?: 'email' | 'support' | 'integration';
    } = {},
  ) =>
    insertRow(ts, 'loginTokens', {
      secretHash: sha256(`token-secret-${++tokens}`),
      profileId,
      createdAt: T0,
      expiresAt: T0 + DAY,
      oneTimeUse: false,
      use: 'integration',
      ...values,
    });
  let sessions = 0;
  const sessionVia = (kind: CredentialKind | null, credentialId: string | null, userId: number) =>
    insertRow(ts, 'sessions', {
      id: `session-${++sessions}`,
      tokenHash: sha256(`session-${sessions}`),
      userId,
      method: kind ?? 'password',
      createdAt: T0,
      expiresAt: T0 + DAY,
      lastSeenAt: T0,
      viaKind: kind,
      viaCredentialId: credentialId,
    });
  return { acme, jane, john, root, key, link, token, sessionVia };
}

const revokeAudit = (actorId: number, credential: { kind: CredentialKind; id: string }) => ({
  type: 'credential.revoked' as const,
  at: T0 + 5,
  actor: { userId: actorId, kind: 'customer' as const },
  details: { credential, revokedBy: 'user' },
});

describe.each(dialects)('the credentials port on %s', (dialect) => {
  it('live links and tokens made for a person, newest first, each with its maker and organization', async () => {
    const ts = await freshStore(dialect);
    const { acme, jane, john, root, key, link, token } = await world(ts);
    const byKey = await link(jane.user.id, {
      createdByApiKeyId: key.id,
      profileId: jane.profile.id,
      createdAt: T0 + 1,
    });
    const byRoot = await link(jane.user.id, {
      createdByUserId: root.id,
      purpose: 'support',
      createdAt: T0 + 3,
    });
    // Made in the same millisecond: the later id first, on both databases.
    const sameA = await link(jane.user.id, { id: 'link-a', createdAt: T0 + 2 });
    const sameB = await link(jane.user.id, { id: 'link-B', createdAt: T0 + 2 });
    const sameZ = await link(jane.user.id, { id: 'link-z', createdAt: T0 + 2 });
    await link(jane.user.id, { usedAt: T0 + 1 });
    await link(jane.user.id, { revokedAt: T0 + 1 });
    await link(jane.user.id, { expiresAt: T0 + 10 });
    await link(john.user.id);

    const all = { start: undefined, limit: 100 };
    const links = await ts.store.credentials.liveLinksFor(jane.user.id, T0 + 10, all);
    expect(links.map((r) => r.link.id)).toEqual([
      byRoot.id,
      sameZ.id,
      sameA.id,
      sameB.id,
      byKey.id,
    ]);
    expect(links[0]?.maker).toEqual({ kind: 'operator', name: 'root', operatorRole: 'superadmin' });
    expect(links[4]?.maker).toEqual({ kind: 'api_key', name: 'ERP punch-out', operatorRole: null });
    expect(links.map((r) => r.organizationName)).toEqual([null, null, null, null, 'Acme']);
    expect(
      await ts.store.credentials.liveLinksFor(jane.user.id, T0 + 10, {
        start: undefined,
        limit: 2,
      }),
    ).toHaveLength(2);

    const first = await token(jane.profile.id, { createdByApiKeyId: key.id });
    const second = await token(jane.profile.id, { createdByUserId: jane.user.id, use: 'email' });
    await token(jane.profile.id, { deletedAt: T0 + 1 });
    await token(jane.profile.id, { usedUpAt: T0 + 1 });
    await token(jane.profile.id, { expiresAt: T0 + 10 });
    await token(john.profile.id);
    const tokens = await ts.store.credentials.liveTokensFor(jane.user.id, T0 + 10, all);
    expect(tokens.map((r) => r.token.id)).toEqual([second.id, first.id]);
    expect(tokens.map((r) => [r.organizationName, r.maker.kind])).toEqual([
      [acme.name, 'self'],
      [acme.name, 'api_key'],
    ]);
  });

  it('a page of live links or tokens starts after a row, or before or at an instant, passing over the dead ones', async () => {
    const ts = await freshStore(dialect);
    const { jane, john, link, token } = await world(ts);
    const now = T0 + 10;
    const l1 = await link(jane.user.id, { createdAt: T0 + 2 });
    await link(jane.user.id, { createdAt: T0 + 2, usedAt: T0 + 3 });
    const l2 = await link(jane.user.id, { createdAt: T0 + 1, purpose: 'delivered' });
    const l3 = await link(jane.user.id, { createdAt: T0 + 1, purpose: 'support' });
    await link(jane.user.id, { createdAt: T0 + 1, expiresAt: now });
    await link(jane.user.id, { createdAt: T0 + 1, revokedAt: T0 + 2 });
    const l4 = await link(jane.user.id, { createdAt: T0 });
    await link(john.user.id, { createdAt: T0 + 1 });
    const linksFrom = async (start: StartIn<string> | undefined, limit = 10) =>
      (await ts.store.credentials.liveLinksFor(jane.user.id, now, { start, limit })).map(
        (r) => r.link.id,
      );
    // Same instant: the higher id first (link-4 before link-3).
    expect(await linksFrom(undefined)).toEqual([l1.id, l3.id, l2.id, l4.id]);
    expect(await linksFrom({ afterRow: [T0 + 2, l1.id] }, 2)).toEqual([l3.id, l2.id]);
    expect(await linksFrom({ afterRow: [T0 + 1, l3.id] })).toEqual([l2.id, l4.id]);
    expect(await linksFrom({ olderThan: T0 + 1, sameInstant: false })).toEqual([l4.id]);
    expect(await linksFrom({ olderThan: T0 + 1, sameInstant: true })).toEqual([
      l3.id,
      l2.id,
      l4.id,
    ]);

    const other = await insertRow(ts, 'organizations', {
      name: 'Globex',
      kind: 'company',
      integrationsEnabled: false,
      createdAt: 0,
    });
    const second = await insertRow(ts, 'profiles', {
      userId: jane.user.id,
      organizationId: other.id,
      role: 'member',
      permissions: [],
      createdAt: 0,
    });
    const t1 = await token(jane.profile.id, { createdAt: T0 + 2, use: 'email' });
    const t2 = await token(second.id, { createdAt: T0 + 1, use: 'support' });
    await token(jane.profile.id, { createdAt: T0 + 1, deletedAt: T0 + 2 });
    await token(second.id, { createdAt: T0 + 1, usedUpAt: T0 + 2 });
    await token(jane.profile.id, { createdAt: T0 + 1, expiresAt: now });
    const t3 = await token(jane.profile.id, { createdAt: T0 + 1 });
    const t4 = await token(second.id, { createdAt: T0 + 3 });
    await token(john.profile.id, { createdAt: T0 + 1 });
    const tokensFrom = async (start: StartIn<number> | undefined, limit = 10) =>
      (await ts.store.credentials.liveTokensFor(jane.user.id, now, { start, limit })).map((r) => [
        r.token.id,
        r.organizationName,
      ]);
    expect(await tokensFrom(undefined)).toEqual([
      [t4.id, 'Globex'],
      [t1.id, 'Acme'],
      [t3.id, 'Acme'],
      [t2.id, 'Globex'],
    ]);
    expect(await tokensFrom(undefined, 2)).toEqual([
      [t4.id, 'Globex'],
      [t1.id, 'Acme'],
    ]);
    expect(await tokensFrom({ afterRow: [T0 + 1, t3.id] })).toEqual([[t2.id, 'Globex']]);
    expect(await tokensFrom({ olderThan: T0 + 2, sameInstant: false })).toEqual([
      [t3.id, 'Acme'],
      [t2.id, 'Globex'],
    ]);
    expect(await tokensFrom({ olderThan: T0 + 2, sameInstant: true })).toHaveLength(3);
    // A forged cursor's id beyond what the column holds is a bound, not a refusal.
    expect(await tokensFrom({ afterRow: [T0 + 1, 2 ** 40] })).toEqual([
      [t3.id, 'Acme'],
      [t2.id, 'Globex'],
    ]);
  });

  it('integration history lists every link and token handed to a system for the person, whatever became of it', async () => {
    const ts = await freshStore(dialect);
    const { jane, john, key, link, token } = await world(ts);
    const used = await link(jane.user.id, { createdByApiKeyId: key.id, usedAt: T0 + 1 });
    const revoked = await link(jane.user.id, { revokedAt: T0 + 1, createdAt: T0 + 1 });
    await link(jane.user.id, { purpose: 'delivered', createdAt: T0 + 2 });
    await link(john.user.id);
    const wiped = await token(jane.profile.id, { deletedAt: T0 + 1 });
    const live = await token(jane.profile.id, { createdByApiKeyId: key.id });
    await token(jane.profile.id, { use: 'support' });
    await token(john.profile.id);

    const all = { start: undefined, limit: 100 };
    const links = await ts.store.credentials.integrationLinksFor(jane.user.id, all);
    expect(links.map((r) => r.link.id)).toEqual([revoked.id, used.id]);
    expect(links[1]?.maker.kind).toBe('api_key');
    const tokens = await ts.store.credentials.integrationTokensFor(jane.user.id, all);
    expect(tokens.map((r) => r.token.id)).toEqual([live.id, wiped.id]);
    const one = { start: undefined, limit: 1 };
    expect(await ts.store.credentials.integrationTokensFor(jane.user.id, one)).toHaveLength(1);
  });

  it('a page of integration links or tokens starts after a row, or before or at an instant, by instant and then id', async () => {
    const ts = await freshStore(dialect);
    const { jane, link, token } = await world(ts);
    // Made out of order: the instant sorts first, the id only within an instant.
    const l1 = await link(jane.user.id, { createdAt: T0 + 2 });
    const l2 = await link(jane.user.id, { createdAt: T0 + 1 });
    const l3 = await link(jane.user.id, { createdAt: T0 + 1 });
    const l4 = await link(jane.user.id, { createdAt: T0 });
    const linksFrom = async (start: StartIn<string>) =>
      (await ts.store.credentials.integrationLinksFor(jane.user.id, { start, limit: 10 })).map(
        (r) => r.link.id,
      );
    expect(await linksFrom({ afterRow: [T0 + 1, l3.id] })).toEqual([l2.id, l4.id]);
    expect(await linksFrom({ olderThan: T0 + 1, sameInstant: false })).toEqual([l4.id]);
    expect(await linksFrom({ olderThan: T0 + 1, sameInstant: true })).toEqual([
      l3.id,
      l2.id,
      l4.id,
    ]);
    expect(await linksFrom({ afterRow: [T0 + 3, ''] })).toEqual([l1.id, l3.id, l2.id, l4.id]);

    const t1 = await token(jane.profile.id, { createdAt: T0 + 2 });
    const t2 = await token(jane.profile.id, { createdAt: T0 + 1 });
    const t3 = await token(jane.profile.id, { createdAt: T0 + 1 });
    const tokensFrom = async (start: StartIn<number>) =>
      (await ts.store.credentials.integrationTokensFor(jane.user.id, { start, limit: 10 })).map(
        (r) => r.token.id,
      );
    expect(await tokensFrom({ afterRow: [T0 + 1, t3.id] })).toEqual([t2.id]);
    expect(await tokensFrom({ olderThan: T0 + 2, sameInstant: true })).toEqual([
      t1.id,
      t3.id,
      t2.id,
    ]);
    expect(await tokensFrom({ olderThan: T0 + 2, sameInstant: false })).toEqual([t3.id, t2.id]);
    // A profile of hers in another organization: its tokens merged in, in the same order.
    const other = await insertRow(ts, 'organizations', {
      name: 'Globex',
      kind: 'company',
      integrationsEnabled: true,
      createdAt: 0,
    });
    const second = await insertRow(ts, 'profiles', {
      userId: jane.user.id,
      organizationId: other.id,
      role: 'member',
      permissions: [],
      createdAt: 0,
    });
    const t4 = await token(second.id, { createdAt: T0 + 3 });
    const t5 = await token(second.id, { createdAt: T0 + 1 });
    expect(await tokensFrom({ olderThan: T0 + 4, sameInstant: false })).toEqual([
      t4.id,
      t1.id,
      t5.id,
      t3.id,
      t2.id,
    ]);
    const firstTwo = await ts.store.credentials.integrationTokensFor(jane.user.id, {
      start: undefined,
      limit: 2,
    });
    expect(firstTwo.map((r) => [r.token.id, r.organizationName])).toEqual([
      [t4.id, 'Globex'],
      [t1.id, 'Acme'],
    ]);
    expect(await tokensFrom({ afterRow: [T0 + 1, t5.id] })).toEqual([t3.id, t2.id]);
    // A forged cursor's id beyond what the column holds is a bound, not a refusal.
    expect(await tokensFrom({ afterRow: [T0 + 1, 2 ** 40] })).toEqual([t5.id, t3.id, t2.id]);
    expect(await tokensFrom({ afterRow: [T0 + 3, -(2 ** 40)] })).toEqual([
      t1.id,
      t5.id,
      t3.id,
      t2.id,
    ]);
  });

  it('revoking a link is a compare-and-set that ends its sessions and impersonations, each audited', async () => {
    const ts = await freshStore(dialect);
    const { jane, john, root, link, sessionVia } = await world(ts);
    const mine = await link(jane.user.id, { createdByUserId: root.id, purpose: 'support' });
    const opened = await sessionVia('one_click', mine.id, jane.user.id);
    const other = await sessionVia(null, null, jane.user.id);
    const rootSession = await sessionVia(null, null, root.id);
    const acting = await sessionVia(null, null, jane.user.id);
    await insertImpersonation(ts, {
      id: 'imp-1',
      door: 'operator',
      actorUserId: root.id,
      actorSessionId: rootSession.id,
      targetUserId: jane.user.id,
      targetProfileId: jane.profile.id,
      handoffTokenHash: sha256('handoff'),
      handoffExpiresAt: T0 + 60_000,
      handoffUsedAt: T0,
      sessionId: acting.id,
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + DAY,
      credentialKind: 'one_click',
      credentialId: mine.id,
    });
    const credential = { kind: 'one_click' as const, id: mine.id };
    const revoke = (userId: number) =>
      ts.store.credentials.revoke({
        userId,
        credential,
        audit: revokeAudit(userId, credential),
        now: T0 + 5,
        meta,
      });

    expect(await revoke(john.user.id)).toBe('not_found');
    expect(await revoke(jane.user.id)).toBe('revoked');
    expect(await revoke(jane.user.id)).toBe('not_found');

    const stored = (await rowsOf(ts, 'oneClickLinks')).find((l) => l.id === mine.id);
    expect([stored?.revokedAt, stored?.revokedReason]).toEqual([T0 + 5, 'revoked_by_user']);
    const sessions = new Map((await rowsOf(ts, 'sessions')).map((s) => [s.id, s]));
    expect(sessions.get(opened.id)?.revokedReason).toBe('credential_withdrawn');
    expect(sessions.get(other.id)?.revokedAt).toBeNull();
    expect(sessions.get(acting.id)?.revokedReason).toBe('impersonation_revoked');
    expect((await impersonation(ts, 'imp-1'))?.endReason).toBe('revoked');
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.ip])).toEqual([
      ['impersonation.ended', root.id, meta.ip],
      ['credential.revoked', jane.user.id, meta.ip],
    ]);
    expect(trail[1]?.details).toEqual({ credential, revokedBy: 'user' });
  });

  it("revoking a token wipes its secret, once, and only the person's own", async () => {
    const ts = await freshStore(dialect);
    const { jane, john, token, sessionVia } = await world(ts);
    const mine = await token(jane.profile.id);
    const opened = await sessionVia('login_token', String(mine.id), jane.user.id);
    const revoke = (userId: number, id: string) =>
      ts.store.credentials.revoke({
        userId,
        credential: { kind: 'login_token', id },
        audit: revokeAudit(userId, { kind: 'login_token', id }),
        now: T0 + 5,
        meta,
      });

    expect(await revoke(john.user.id, String(mine.id))).toBe('not_found');
    for (const unnamed of ['not-a-token', '99999999999', '-1', '']) {
      expect(await revoke(jane.user.id, unnamed)).toBe('not_found');
    }
    expect(await revoke(jane.user.id, String(mine.id))).toBe('revoked');
    expect(await revoke(jane.user.id, String(mine.id))).toBe('not_found');

    const stored = (await rowsOf(ts, 'loginTokens')).find((t) => t.id === mine.id);
    expect([stored?.deletedAt, stored?.secretHash, stored?.revokedReason]).toEqual([
      T0 + 5,
      null,
      'revoked_by_user',
    ]);
    const session = (await rowsOf(ts, 'sessions')).find((s) => s.id === opened.id);
    expect(session?.revokedReason).toBe('credential_withdrawn');
    expect((await auditTrail(ts)).map((e) => [e.type, e.actorUserId])).toEqual([
      ['credential.revoked', jane.user.id],
    ]);
  });
});

describe('the credentials port on several PostgreSQL processes', () => {
  it('of concurrent revocations of one credential exactly one wins and is audited', async () => {
    const ts = await freshStore('postgres');
    const { jane, link, token } = await world(ts);
    const mineLink = await link(jane.user.id);
    const mineToken = await token(jane.profile.id);

    for (const credential of [
      { kind: 'one_click' as const, id: mineLink.id },
      { kind: 'login_token' as const, id: String(mineToken.id) },
    ]) {
      const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
        Promise.all(
          [...stores, ...stores].map((store) =>
            store.credentials.revoke({
              userId: jane.user.id,
              credential,
              audit: revokeAudit(jane.user.id, credential),
              now: T0 + 5,
              meta,
            }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'not_found')).toHaveLength(7);
    }
    expect((await auditTrail(ts)).map((e) => e.details?.credential)).toEqual([
      { kind: 'one_click', id: mineLink.id },
      { kind: 'login_token', id: String(mineToken.id) },
    ]);
  });
});
