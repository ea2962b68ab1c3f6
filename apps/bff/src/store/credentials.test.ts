import type { CredentialEndReason, CredentialKind } from '@onbehalf/contracts/login-links';
import { describe, expect, it } from 'vitest';
import type { MadeKind } from '../domain/credentials/policy.ts';
import { newApiKeySecret } from '../lib/api-key-format.ts';
import { type CreatedBy, credentialFingerprint } from '../lib/credential-facts.ts';
import { sha256 } from '../lib/tokens.ts';
import * as postgres from './postgres/credentials.ts';
import type { SessionRow } from './rows.ts';
import * as sqlite from './sqlite/credentials.ts';
import {
  auditTrail,
  customerWithProfile,
  insertRow,
  linked,
  operator,
  rowsOf,
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const everyKind: readonly MadeKind[] = ['one_click', 'login_token', 'api_key'];

/** The request whose per-request check finds a session's credential no longer standing. */
const checkMeta = { ip: '203.0.113.9', userAgent: 'ERP punch-out', requestId: 'req-check' };

/** The `session.revoked` events the per-request checks wrote, as the trail holds them. */
async function revocations(ts: TestStore) {
  const trail = await auditTrail(ts);
  expect(linked(trail)).toBe(true);
  return trail
    .filter((event) => event.type === 'session.revoked')
    .map(({ actorUserId, organizationId, ip, details }) => ({
      actorUserId,
      organizationId,
      ip,
      details,
    }));
}

/** Both adapters behind one shape, so each case below holds them to the same answers. */
function credentialsOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    return {
      loadMaker: async (createdBy: CreatedBy, subject: number | null) =>
        sqlite.loadMaker(db, createdBy, subject),
      endFor: async (userId: number, reason: CredentialEndReason, now: number) =>
        sqlite.endCredentialsFor(db, userId, reason, now),
      withdraw: async (credential: { kind: CredentialKind; id: string }, now: number) =>
        sqlite.withdrawUndelivered(db, credential, now),
      endMadeBy: async (
        makerId: number,
        kinds: readonly MadeKind[],
        reason: CredentialEndReason,
        now: number,
      ) => sqlite.endCredentialsMadeBy(db, makerId, kinds, reason, now),
      describe: async (session: SessionRow) => sqlite.describeCredentialSession(db, session),
      settle: async (session: SessionRow, now: number) =>
        sqlite.settleCredentialSession(db, session, now, checkMeta),
      revokeOpenedBy: async (kind: CredentialKind, id: string, now: number) =>
        sqlite.revokeSessionsOpenedBy(db, kind, id, now),
    };
  }
  const { db } = ts;
  return {
    loadMaker: (createdBy: CreatedBy, subject: number | null) =>
      postgres.loadMaker(db, createdBy, subject),
    endFor: (userId: number, reason: CredentialEndReason, now: number) =>
      postgres.endCredentialsFor(db, userId, reason, now),
    withdraw: (credential: { kind: CredentialKind; id: string }, now: number) =>
      postgres.withdrawUndelivered(db, credential, now),
    endMadeBy: (
      makerId: number,
      kinds: readonly MadeKind[],
      reason: CredentialEndReason,
      now: number,
    ) => postgres.endCredentialsMadeBy(db, makerId, kinds, reason, now),
    describe: (session: SessionRow) => postgres.describeCredentialSession(db, session),
    settle: (session: SessionRow, now: number) =>
      postgres.settleCredentialSession(db, ts.auditKey, session, now, checkMeta),
    revokeOpenedBy: (kind: CredentialKind, id: string, now: number) =>
      postgres.revokeSessionsOpenedBy(db, kind, id, now),
  };
}

/** An organization that allows integrations, a customer in it, staff, and a key for systems. */
async function world(ts: TestStore) {
  const organization = await insertRow(ts, 'organizations', {
    name: 'Acme',
    kind: 'company',
    integrationsEnabled: true,
    createdAt: 0,
  });
  const jane = await customerWithProfile(ts, {
    email: 'jane@acme.test',
    organization: organization.id,
  });
  const john = await customerWithProfile(ts, {
    email: 'john@acme.test',
    organization: organization.id,
  });
  const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
  const admin = await operator(ts, 'admin@onbehalf.test', 'admin');
  const key = await insertRow(ts, 'apiKeys', {
    id: newApiKeySecret().id,
    name: 'ERP punch-out',
    secretHash: sha256('secret'),
    scopes: ['one-click-links:create', 'login-tokens:manage'],
    organizationIds: [organization.id],
    createdAt: T0,
    createdByUserId: root.id,
    expiresAt: T0 + 30 * DAY,
  });
  let links = 0;
  const link = (
    userId: number,
    by: Partial<CreatedBy> & { expiresAt?: number; usedAt?: number; profileId?: number } = {},
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
      ...by,
    });
  const token = (profileId: number, by: Partial<CreatedBy> & { extra?: string } = {}) =>
    insertRow(ts, 'loginTokens', {
      secretHash: sha256(`token-secret-${profileId}-${JSON.stringify(by)}`),
      profileId,
      createdAt: T0,
      expiresAt: T0 + DAY,
      oneTimeUse: false,
      use: 'integration',
      ...by,
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
  return { organization, jane, john, root, admin, key, link, token, sessionVia };
}

async function find<N extends 'oneClickLinks' | 'loginTokens' | 'apiKeys' | 'sessions'>(
  ts: TestStore,
  name: N,
  id: string | number,
) {
  const rows: { id: string | number }[] = await rowsOf(ts, name);
  return rows.find((r) => r.id === id);
}

describe('a credential fingerprint', () => {
  it('changes with the password and never shows it', () => {
    const before = credentialFingerprint({ passwordHash: 'hash-1' });
    expect(credentialFingerprint({ passwordHash: 'hash-1' })).toBe(before);
    expect(credentialFingerprint({ passwordHash: 'hash-2' })).not.toBe(before);
    expect(credentialFingerprint({ passwordHash: null })).not.toBe(before);
    expect(before).not.toContain('hash-1');
  });
});

describe.each(dialects)('credentials made for someone else on %s', (dialect) => {
  it('who made a credential: a key, the person themselves, an operator, the system, or no one on record', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, admin, root, key, organization } = await world(ts);
    const by = (createdByUserId: number | null, createdByApiKeyId: string | null = null) => ({
      createdByUserId,
      createdByApiKeyId,
    });

    expect(await credentials.loadMaker(by(null, key.id), jane.user.id)).toEqual({
      policy: {
        kind: 'api_key',
        revoked: false,
        expiresAt: T0 + 30 * DAY,
        scopes: ['one-click-links:create', 'login-tokens:manage'],
        organizationIds: [organization.id],
        keyMaker: { status: 'active', operatorRole: 'superadmin' },
      },
      display: { kind: 'api_key', name: 'ERP punch-out', operatorRole: null },
    });
    expect(await credentials.loadMaker(by(jane.user.id), jane.user.id)).toEqual({
      policy: { kind: 'self' },
      display: { kind: 'self', name: 'jane', operatorRole: null },
    });
    expect(await credentials.loadMaker(by(admin.id), jane.user.id)).toEqual({
      policy: { kind: 'operator', status: 'active', operatorRole: 'admin' },
      display: { kind: 'operator', name: 'admin', operatorRole: 'admin' },
    });
    expect(await credentials.loadMaker(by(root.id), root.id)).toMatchObject({
      policy: { kind: 'operator', operatorRole: 'superadmin' },
    });
    expect((await credentials.loadMaker(by(null), jane.user.id)).policy).toEqual({
      kind: 'system',
    });
    const gone = { kind: 'operator', status: 'disabled', operatorRole: null };
    expect((await credentials.loadMaker(by(9_999), jane.user.id)).policy).toEqual(gone);
    expect((await credentials.loadMaker(by(null, 'no-such-key'), jane.user.id)).policy).toEqual(
      gone,
    );
  });

  it("ending credentials for a person ends their live links and wipes their tokens' secrets, and nothing else", async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, john, admin, link, token } = await world(ts);
    const live = await link(jane.user.id, { createdByUserId: admin.id });
    const used = await link(jane.user.id, { usedAt: T0 + 1 });
    const expired = await link(jane.user.id, { expiresAt: T0 + 5 });
    const johns = await link(john.user.id);
    const janesToken = await token(jane.profile.id, { createdByUserId: admin.id });
    const johnsToken = await token(john.profile.id);

    await credentials.endFor(jane.user.id, 'password_changed', T0 + 10);

    expect(await find(ts, 'oneClickLinks', live.id)).toMatchObject({
      revokedAt: T0 + 10,
      revokedReason: 'password_changed',
    });
    for (const untouched of [used, expired, johns]) {
      expect(await find(ts, 'oneClickLinks', untouched.id)).toMatchObject({ revokedAt: null });
    }
    expect(await find(ts, 'loginTokens', janesToken.id)).toMatchObject({
      deletedAt: T0 + 10,
      secretHash: null,
      revokedReason: 'password_changed',
    });
    expect(await find(ts, 'loginTokens', johnsToken.id)).toMatchObject({
      deletedAt: null,
      secretHash: johnsToken.secretHash,
    });
  });

  it('an undelivered link or token is withdrawn once: a second withdrawal keeps the first', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, link, token } = await world(ts);
    const undelivered = await link(jane.user.id);
    const undeliveredToken = await token(jane.profile.id);

    await credentials.withdraw({ kind: 'one_click', id: undelivered.id }, T0 + 1);
    await credentials.withdraw({ kind: 'one_click', id: undelivered.id }, T0 + 2);
    await credentials.withdraw({ kind: 'login_token', id: String(undeliveredToken.id) }, T0 + 1);
    await credentials.withdraw({ kind: 'login_token', id: String(undeliveredToken.id) }, T0 + 2);
    await credentials.withdraw({ kind: 'login_token', id: 'not-a-token' }, T0 + 3);

    expect(await find(ts, 'oneClickLinks', undelivered.id)).toMatchObject({
      revokedAt: T0 + 1,
      revokedReason: 'undelivered',
    });
    expect(await find(ts, 'loginTokens', undeliveredToken.id)).toMatchObject({
      deletedAt: T0 + 1,
      secretHash: null,
      revokedReason: 'undelivered',
    });
  });

  it('a maker who loses the right takes with them their keys and everything they and their keys made', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, root, admin, key, link, token } = await world(ts);
    const byRoot = await link(jane.user.id, { createdByUserId: root.id });
    const byKey = await link(jane.user.id, { createdByApiKeyId: key.id });
    const usedByKey = await link(jane.user.id, { createdByApiKeyId: key.id, usedAt: T0 + 1 });
    const byAdmin = await link(jane.user.id, { createdByUserId: admin.id });
    const tokenByKey = await token(jane.profile.id, { createdByApiKeyId: key.id });
    const tokenByAdmin = await token(jane.profile.id, { createdByUserId: admin.id });

    await credentials.endMadeBy(root.id, everyKind, 'maker_lost_right', T0 + 10);

    expect(await find(ts, 'apiKeys', key.id)).toMatchObject({ revokedAt: T0 + 10 });
    for (const ended of [byRoot, byKey]) {
      expect(await find(ts, 'oneClickLinks', ended.id)).toMatchObject({
        revokedAt: T0 + 10,
        revokedReason: 'maker_lost_right',
      });
    }
    expect(await find(ts, 'oneClickLinks', usedByKey.id)).toMatchObject({ revokedAt: null });
    expect(await find(ts, 'oneClickLinks', byAdmin.id)).toMatchObject({ revokedAt: null });
    expect(await find(ts, 'loginTokens', tokenByKey.id)).toMatchObject({
      deletedAt: T0 + 10,
      secretHash: null,
      revokedReason: 'maker_lost_right',
    });
    expect(await find(ts, 'loginTokens', tokenByAdmin.id)).toMatchObject({ deletedAt: null });

    // A key already revoked keeps its time; what it made still ends with its maker.
    const later = await link(jane.user.id, { createdByApiKeyId: key.id });
    await credentials.endMadeBy(root.id, everyKind, 'user_disabled', T0 + 20);
    expect(await find(ts, 'apiKeys', key.id)).toMatchObject({ revokedAt: T0 + 10 });
    expect(await find(ts, 'oneClickLinks', later.id)).toMatchObject({
      revokedAt: T0 + 20,
      revokedReason: 'user_disabled',
    });
  });

  it('a right lost ends only what was made with it', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, root, key, link, token } = await world(ts);
    const linkByRoot = await link(jane.user.id, { createdByUserId: root.id });
    const tokenByRoot = await token(jane.profile.id, { createdByUserId: root.id });
    const linkByKey = await link(jane.user.id, { createdByApiKeyId: key.id });
    const tokenByKey = await token(jane.profile.id, { createdByApiKeyId: key.id });
    const linkEnded = async (id: string) =>
      (await rowsOf(ts, 'oneClickLinks')).find((row) => row.id === id)?.revokedAt;
    const tokenEnded = async (id: number) =>
      (await rowsOf(ts, 'loginTokens')).find((row) => row.id === id)?.deletedAt;

    // Nothing lost, nothing ends.
    await credentials.endMadeBy(root.id, [], 'maker_lost_right', T0 + 5);
    expect(await find(ts, 'apiKeys', key.id)).toMatchObject({ revokedAt: null });
    expect(await linkEnded(linkByRoot.id)).toBeNull();
    expect(await tokenEnded(tokenByRoot.id)).toBeNull();

    // The right to make API keys: the keys and what they made, not what the maker made.
    await credentials.endMadeBy(root.id, ['api_key'], 'maker_lost_right', T0 + 10);
    expect(await find(ts, 'apiKeys', key.id)).toMatchObject({ revokedAt: T0 + 10 });
    expect(await linkEnded(linkByKey.id)).toBe(T0 + 10);
    expect(await tokenEnded(tokenByKey.id)).toBe(T0 + 10);
    expect(await linkEnded(linkByRoot.id)).toBeNull();
    expect(await tokenEnded(tokenByRoot.id)).toBeNull();

    // The right to make one-click links: the maker's links, not their tokens.
    await credentials.endMadeBy(root.id, ['one_click'], 'maker_lost_right', T0 + 20);
    expect(await linkEnded(linkByRoot.id)).toBe(T0 + 20);
    expect(await tokenEnded(tokenByRoot.id)).toBeNull();

    await credentials.endMadeBy(root.id, ['login_token'], 'maker_lost_right', T0 + 30);
    expect(await tokenEnded(tokenByRoot.id)).toBe(T0 + 30);
  });

  it('a session a credential opened is described by it and its maker; any other by nothing', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, key, link, token, sessionVia } = await world(ts);
    const viaLink = await link(jane.user.id, {
      createdByApiKeyId: key.id,
      profileId: jane.profile.id,
    });
    const viaToken = await token(jane.profile.id, { createdByApiKeyId: key.id, extra: 'ERP' });
    const unnamed = await token(jane.profile.id, { createdByApiKeyId: key.id });
    const maker = { kind: 'api_key', name: 'ERP punch-out', operatorRole: null };

    expect(
      await credentials.describe(await sessionVia('one_click', viaLink.id, jane.user.id)),
    ).toEqual({ kind: 'one_click', id: viaLink.id, name: 'One-click link', maker });
    expect(
      await credentials.describe(
        await sessionVia('login_token', String(viaToken.id), jane.user.id),
      ),
    ).toEqual({ kind: 'login_token', id: String(viaToken.id), name: 'ERP', maker });
    expect(
      await credentials.describe(await sessionVia('login_token', String(unnamed.id), jane.user.id)),
    ).toMatchObject({ name: `Login token #${unnamed.id}` });
    expect(await credentials.describe(await sessionVia(null, null, jane.user.id))).toBeNull();
    expect(
      await credentials.describe(await sessionVia('login_token', 'not-a-token', jane.user.id)),
    ).toBeNull();
    expect(
      await credentials.describe(await sessionVia('one_click', 'no-such-link', jane.user.id)),
    ).toBeNull();
  });

  it('the per-request check keeps a session while its credential stands, and revokes it once it does not', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, key, link, token, sessionVia } = await world(ts);
    const viaLink = await link(jane.user.id, {
      createdByApiKeyId: key.id,
      profileId: jane.profile.id,
    });
    const viaToken = await token(jane.profile.id, { createdByApiKeyId: key.id });
    const linkSession = await sessionVia('one_click', viaLink.id, jane.user.id);
    const tokenSession = await sessionVia('login_token', String(viaToken.id), jane.user.id);

    expect(await credentials.settle(linkSession, T0 + 1)).toMatchObject({ id: viaLink.id });
    expect(await credentials.settle(tokenSession, T0 + 1)).toMatchObject({
      id: String(viaToken.id),
    });
    expect(await find(ts, 'sessions', linkSession.id)).toMatchObject({ revokedAt: null });

    // The key expires: the maker no longer holds the right, so both sessions end.
    const afterKey = T0 + 30 * DAY;
    expect(await credentials.settle(linkSession, afterKey)).toBeNull();
    expect(await credentials.settle(tokenSession, afterKey)).toBeNull();
    // The row and its event say the same rule.
    for (const ended of [linkSession, tokenSession]) {
      expect(await find(ts, 'sessions', ended.id)).toMatchObject({
        revokedAt: afterKey,
        revokedReason: 'maker_lost_right',
      });
    }
    // Each revocation is audited by the request that found it, naming the credential and why.
    expect(await revocations(ts)).toEqual([
      {
        actorUserId: null,
        organizationId: jane.profile.organizationId,
        ip: '203.0.113.9',
        details: {
          revoked: linkSession.id,
          endReason: 'maker_lost_right',
          via: { kind: 'one_click', id: viaLink.id },
        },
      },
      {
        actorUserId: null,
        organizationId: jane.profile.organizationId,
        ip: '203.0.113.9',
        details: {
          revoked: tokenSession.id,
          endReason: 'maker_lost_right',
          via: { kind: 'login_token', id: String(viaToken.id) },
        },
      },
    ]);
    // A later check of a revoked session writes nothing more.
    expect(await credentials.settle(linkSession, afterKey + 1)).toBeNull();
    expect(await revocations(ts)).toHaveLength(2);
  });

  it('a session ends with its credential withdrawn, its organization closing integrations, or team rights', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { organization, jane, key, link, sessionVia } = await world(ts);
    const withdrawn = await link(jane.user.id, { createdByApiKeyId: key.id });
    await credentials.withdraw({ kind: 'one_click', id: withdrawn.id }, T0);
    expect(
      await credentials.settle(await sessionVia('one_click', withdrawn.id, jane.user.id), T0 + 1),
    ).toBeNull();

    const closed = await insertRow(ts, 'organizations', {
      name: 'Closed Corp',
      kind: 'company',
      integrationsEnabled: false,
      createdAt: 0,
    });
    const inClosed = await customerWithProfile(ts, {
      email: 'cleo@closed.test',
      organization: closed.id,
    });
    const closedLink = await link(inClosed.user.id, {
      createdByApiKeyId: key.id,
      profileId: inClosed.profile.id,
    });
    expect(
      await credentials.settle(
        await sessionVia('one_click', closedLink.id, inClosed.user.id),
        T0 + 1,
      ),
    ).toBeNull();

    const lead = await customerWithProfile(ts, {
      email: 'lead@acme.test',
      organization: organization.id,
      permissions: ['orders:read', 'team:read'],
    });
    const leadLink = await link(lead.user.id, {
      createdByApiKeyId: key.id,
      profileId: lead.profile.id,
    });
    const leadSession = await sessionVia('one_click', leadLink.id, lead.user.id);
    expect(await credentials.settle(leadSession, T0 + 1)).toBeNull();
    expect(await find(ts, 'sessions', leadSession.id)).toMatchObject({
      revokedReason: 'integration_not_allowed',
    });
    expect((await revocations(ts)).map((event) => event.details?.endReason)).toEqual([
      'credential_withdrawn',
      'integrations_disabled',
      'integration_not_allowed',
    ]);
  });

  it('twenty checks at once of a session whose credential was withdrawn all refuse it; the first revocation stands', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, key, link, sessionVia } = await world(ts);
    const viaLink = await link(jane.user.id, {
      createdByApiKeyId: key.id,
      profileId: jane.profile.id,
    });
    const session = await sessionVia('one_click', viaLink.id, jane.user.id);
    await credentials.withdraw({ kind: 'one_click', id: viaLink.id }, T0);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => credentials.settle(session, T0 + 1 + i)),
    );

    expect(answers).toEqual(Array(20).fill(null));
    const revoked = (await find(ts, 'sessions', session.id)) as SessionRow;
    expect(revoked.revokedReason).toBe('credential_withdrawn');
    expect(revoked.revokedAt).toBeGreaterThanOrEqual(T0 + 1);
    expect(revoked.revokedAt).toBeLessThanOrEqual(T0 + 20);
    // A later check refuses it too, and does not move the time it was revoked.
    expect(await credentials.settle(session, T0 + 100)).toBeNull();
    expect(await find(ts, 'sessions', session.id)).toMatchObject({
      revokedAt: revoked.revokedAt,
    });
    // One revocation, one event, whichever of the twenty made it.
    expect(await revocations(ts)).toEqual([
      expect.objectContaining({
        details: {
          revoked: session.id,
          endReason: 'credential_withdrawn',
          via: { kind: 'one_click', id: viaLink.id },
        },
      }),
    ]);
  });

  it('withdrawing a credential revokes the live sessions it opened, and only those', async () => {
    const ts = await freshStore(dialect);
    const credentials = credentialsOn(ts);
    const { jane, key, link, sessionVia } = await world(ts);
    const withdrawn = await link(jane.user.id, { createdByApiKeyId: key.id });
    const other = await link(jane.user.id, { createdByApiKeyId: key.id });
    const first = await sessionVia('one_click', withdrawn.id, jane.user.id);
    const second = await sessionVia('one_click', withdrawn.id, jane.user.id);
    const unrelated = await sessionVia('one_click', other.id, jane.user.id);
    const sameIdOtherKind = await sessionVia('login_token', withdrawn.id, jane.user.id);

    await credentials.revokeOpenedBy('one_click', withdrawn.id, T0 + 5);

    for (const ended of [first, second]) {
      expect(await find(ts, 'sessions', ended.id)).toMatchObject({
        revokedAt: T0 + 5,
        revokedReason: 'credential_withdrawn',
      });
    }
    for (const kept of [unrelated, sameIdOtherKind]) {
      expect(await find(ts, 'sessions', kept.id)).toMatchObject({ revokedAt: null });
    }
  });
});
