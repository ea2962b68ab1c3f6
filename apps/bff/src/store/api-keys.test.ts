import { describe, expect, it } from 'vitest';
import { isApiKeyToken, newApiKeySecret, parseApiKeyToken } from '../lib/api-key-format.ts';
import { statementsSentBy } from './postgres/test-round-trips.ts';
import type { ApiKeyRow } from './rows.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, insertRow, operator, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/**
 * Both adapters behind one shape, so each case below holds them to the same answers: the
 * port's authenticate, which on SQLite finds then touches (store/sqlite/api-keys.ts) and on
 * PostgreSQL does both in one statement (store/postgres/api-keys.ts).
 */
function apiKeysOn(ts: TestStore) {
  return { find: (token: string, now: number) => ts.store.apiKeys.authenticate(token, now) };
}

async function keyMadeBy(
  ts: TestStore,
  makerId: number,
  overrides: Partial<Pick<ApiKeyRow, 'revokedAt' | 'expiresAt'>> = {},
) {
  const { id, token, secretHash } = newApiKeySecret();
  const row = await insertRow(ts, 'apiKeys', {
    id,
    name: 'ERP punch-out',
    secretHash,
    scopes: ['one-click-links:create'],
    organizationIds: [1],
    createdAt: T0,
    createdByUserId: makerId,
    expiresAt: T0 + 30 * DAY,
    ...overrides,
  });
  return { token, row };
}

async function lastUsedAt(ts: TestStore, id: string) {
  return (await rowsOf(ts, 'apiKeys')).find((k) => k.id === id)?.lastUsedAt;
}

describe('the API key format', () => {
  it('a new key is recognised as one and parses back to its id', () => {
    const { id, token } = newApiKeySecret();
    expect(isApiKeyToken(token)).toBe(true);
    expect(parseApiKeyToken(token)?.id).toBe(id);
    expect(parseApiKeyToken(`${token}x`)).toBeUndefined();
    expect(isApiKeyToken('a-session-token')).toBe(false);
  });
});

describe.each(dialects)('API keys on %s', (dialect) => {
  it('a live key is found by its token; a wrong secret, a stranger or a malformed token is not', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const maker = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { token, row } = await keyMadeBy(ts, maker.id);
    const other = newApiKeySecret();

    expect(await keys.find(token, T0 + 1)).toEqual(row);
    expect(await keys.find(`obk_${row.id}_${other.token.slice(-43)}`, T0 + 1)).toBeUndefined();
    expect(await keys.find(other.token, T0 + 1)).toBeUndefined();
    expect(await keys.find('obk_short', T0 + 1)).toBeUndefined();
  });

  it('a key is dead once revoked or expired', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const maker = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const revoked = await keyMadeBy(ts, maker.id, { revokedAt: T0 });
    const expiring = await keyMadeBy(ts, maker.id, { expiresAt: T0 + DAY });

    expect(await keys.find(revoked.token, T0 + 1)).toBeUndefined();
    expect(await keys.find(expiring.token, T0 + DAY - 1)).toEqual(expiring.row);
    expect(await keys.find(expiring.token, T0 + DAY)).toBeUndefined();
  });

  it('a key dies with its maker: disabled, no longer entitled to keys, or gone', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const disabled = await insertRow(ts, 'users', {
      email: 'gone@onbehalf.test',
      name: 'Gone',
      kind: 'operator',
      operatorRole: 'superadmin',
      status: 'disabled',
      createdAt: 0,
    });
    const admin = await operator(ts, 'admin@onbehalf.test', 'admin');
    const byDisabled = await keyMadeBy(ts, disabled.id);
    const byAdmin = await keyMadeBy(ts, admin.id);
    const byNobody = await keyMadeBy(ts, 9_999);

    expect(await keys.find(byDisabled.token, T0 + 1)).toBeUndefined();
    expect(await keys.find(byAdmin.token, T0 + 1)).toBeUndefined();
    expect(await keys.find(byNobody.token, T0 + 1)).toBeUndefined();
  });

  it('last_used_at is written on first use, then only once a minute has passed, and never back', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const maker = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row, token } = await keyMadeBy(ts, maker.id);

    // The key as it was before this use: nothing written yet.
    expect(await keys.find(token, T0 + 10)).toEqual(row);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    expect(await keys.find(token, T0 + 10 + 59_999)).toEqual({ ...row, lastUsedAt: T0 + 10 });
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    expect(await keys.find(token, T0 + 10 + 60_000)).toEqual({ ...row, lastUsedAt: T0 + 10 });
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10 + 60_000);
    // A use with an older clock (another process's) does not move it back.
    expect(await keys.find(token, T0 + 5)).toBeDefined();
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10 + 60_000);
  });

  it('a refused token writes nothing: a wrong secret, a revoked or expired key, a maker disabled or not entitled', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const admin = await operator(ts, 'admin@onbehalf.test', 'admin');
    const disabled = await insertRow(ts, 'users', {
      email: 'gone@onbehalf.test',
      name: 'Gone',
      kind: 'operator',
      operatorRole: 'superadmin',
      status: 'disabled',
      createdAt: 0,
    });
    const live = await keyMadeBy(ts, root.id);
    const refused = [
      `obk_${live.row.id}_${newApiKeySecret().token.slice(-43)}`,
      (await keyMadeBy(ts, root.id, { revokedAt: T0 })).token,
      (await keyMadeBy(ts, root.id, { expiresAt: T0 + 10 })).token,
      (await keyMadeBy(ts, disabled.id)).token,
      (await keyMadeBy(ts, admin.id)).token,
      (await keyMadeBy(ts, 9_999)).token,
    ];
    for (const token of refused) expect(await keys.find(token, T0 + 10)).toBeUndefined();
    expect((await rowsOf(ts, 'apiKeys')).map((k) => k.lastUsedAt)).toEqual(
      // The live key (its wrong secret first) and the five dead ones.
      refused.map(() => null),
    );
    // The same instant with the right secret: written.
    expect(await keys.find(live.token, T0 + 10)).toEqual(live.row);
    expect(await lastUsedAt(ts, live.row.id)).toBe(T0 + 10);
  });
});

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

/** A key as the service makes one: its row, ready to store, and the token handed out once. */
function newKey(makerId: number, overrides: Partial<ApiKeyRow> = {}) {
  const { id, token, secretHash } = newApiKeySecret();
  const row: ApiKeyRow = {
    id,
    name: 'ERP punch-out',
    secretHash,
    scopes: ['one-click-links:create'],
    organizationIds: [1],
    createdAt: T0,
    createdByUserId: makerId,
    expiresAt: T0 + 30 * DAY,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
  return { row, token };
}

const revokeAudit = (id: string, actorId: number) => ({
  type: 'api_key.revoked' as const,
  at: T0 + 5,
  actor: { userId: actorId, kind: 'operator' as const },
  details: { apiKeyId: id },
});

describe.each(dialects)('the api-keys port on %s', (dialect) => {
  it('create stores the key with its audit event; the list is newest first with its maker', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const older = newKey(root.id, { createdAt: T0 });
    const newer = newKey(root.id, { createdAt: T0 + 1, name: 'Shop sync' });
    for (const { row } of [older, newer]) {
      await ts.store.apiKeys.create({
        key: row,
        audit: {
          type: 'api_key.created',
          at: row.createdAt,
          actor: { userId: root.id, kind: 'operator' },
          details: { apiKeyId: row.id, name: row.name },
        },
        now: row.createdAt,
        meta,
      });
    }

    const listed = await ts.store.apiKeys.list({ limit: 100 });
    expect(listed.map((r) => r.key)).toEqual([newer.row, older.row]);
    expect(listed.map((r) => r.createdBy)).toEqual(['root', 'root']);
    // A page and one more, to say whether more follow.
    expect(await ts.store.apiKeys.list({ limit: 1 })).toHaveLength(2);
    // Made in the same millisecond: by id, in byte order, on both databases.
    for (const id of ['key-a', 'key-B', 'key-z']) {
      await insertRow(ts, 'apiKeys', newKey(root.id, { id, createdAt: T0 - 1 }).row);
    }
    expect((await ts.store.apiKeys.list({ limit: 100 })).map((r) => r.key.id).slice(2)).toEqual([
      'key-z',
      'key-a',
      'key-B',
    ]);
    // After a key made in that millisecond, the next page starts at the next one in that order.
    const after = [T0 - 1, 'key-z'] as const;
    expect((await ts.store.apiKeys.list({ after, limit: 100 })).map((r) => r.key.id)).toEqual([
      'key-a',
      'key-B',
    ]);
    expect(await ts.store.apiKeys.byId(older.row.id)).toEqual(older.row);
    expect(await ts.store.apiKeys.byId('no-such-key')).toBeUndefined();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.details?.apiKeyId, e.ip])).toEqual([
      ['api_key.created', root.id, older.row.id, meta.ip],
      ['api_key.created', root.id, newer.row.id, meta.ip],
    ]);
  });

  it('organization names are given for the organizations that exist', async () => {
    const ts = await freshStore(dialect);
    const acme = await insertRow(ts, 'organizations', {
      name: 'Acme',
      kind: 'company',
      createdAt: 0,
    });
    const names = await ts.store.apiKeys.organizationNames([acme.id, acme.id, 9_999]);
    expect([...names]).toEqual([[acme.id, 'Acme']]);
    expect((await ts.store.apiKeys.organizationNames([])).size).toBe(0);
  });

  it('revoking is a compare-and-set: the second attempt loses and writes nothing', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row, token } = newKey(root.id);
    await insertRow(ts, 'apiKeys', row);

    const revoke = () =>
      ts.store.apiKeys.revoke({
        id: row.id,
        audit: revokeAudit(row.id, root.id),
        now: T0 + 5,
        meta,
      });
    expect(await revoke()).toBe('revoked');
    expect(await revoke()).toBe('lost_race');
    expect((await ts.store.apiKeys.byId(row.id))?.revokedAt).toBe(T0 + 5);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['api_key.revoked']);
    expect(await ts.store.apiKeys.authenticate(token, T0 + 6)).toBeUndefined();
  });

  it('authenticate finds a live key by its token and writes its last use when due', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row, token } = newKey(root.id);
    await insertRow(ts, 'apiKeys', row);

    expect(await ts.store.apiKeys.authenticate(token, T0 + 10)).toEqual(row);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    const again = await ts.store.apiKeys.authenticate(token, T0 + 20);
    expect(again?.lastUsedAt).toBe(T0 + 10);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    expect(await ts.store.apiKeys.authenticate(newApiKeySecret().token, T0 + 30)).toBeUndefined();
    expect(await ts.store.apiKeys.authenticate(token, T0 + 30 * DAY)).toBeUndefined();
  });
});

describe('API keys on PostgreSQL', () => {
  it('authenticating is one statement, the same prepared one every time, touch or not', async () => {
    const ts = await freshStore('postgres');
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row, token } = await keyMadeBy(ts, root.id);
    const { names } = await statementsSentBy(ts, async (store) => {
      expect(await store.apiKeys.authenticate(token, T0 + 10)).toEqual(row);
      expect(await store.apiKeys.authenticate(token, T0 + 20)).toBeDefined();
      expect(await store.apiKeys.authenticate(`${token.slice(0, -1)}x`, T0 + 30)).toBeUndefined();
    });
    expect(names).toEqual(Array(3).fill('api_key_authenticate'));
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
  });
});

describe('the api-keys port on several PostgreSQL processes', () => {
  it('of concurrent revocations of one key exactly one wins and is audited', async () => {
    const ts = await freshStore('postgres');
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row } = newKey(root.id);
    await insertRow(ts, 'apiKeys', row);

    const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
      Promise.all(
        [...stores, ...stores].map((store) =>
          store.apiKeys.revoke({
            id: row.id,
            audit: revokeAudit(row.id, root.id),
            now: T0 + 5,
            meta,
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'lost_race')).toHaveLength(7);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['api_key.revoked']);
  });
});
