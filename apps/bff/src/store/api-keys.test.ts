import { describe, expect, it } from 'vitest';
import { isApiKeyToken, newApiKeySecret, parseApiKeyToken } from '../lib/api-key-format.ts';
import * as sqlite from '../lib/api-keys.ts';
import * as postgres from './postgres/api-keys.ts';
import type { ApiKeyRow } from './rows.ts';
import { insertRow, operator, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** Both adapters behind one shape, so each case below holds them to the same answers. */
function apiKeysOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    return {
      find: async (token: string, now: number) => sqlite.findApiKey(db, token, now),
      touch: async (key: ApiKeyRow, now: number) => sqlite.touchApiKey(db, key, now),
    };
  }
  const { db } = ts;
  return {
    find: (token: string, now: number) => postgres.findApiKey(db, token, now),
    touch: (key: ApiKeyRow, now: number) => postgres.touchApiKey(db, key, now),
  };
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

  it('last_used_at is written on first use, then only once a minute has passed', async () => {
    const ts = await freshStore(dialect);
    const keys = apiKeysOn(ts);
    const maker = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const { row } = await keyMadeBy(ts, maker.id);

    await keys.touch(row, T0 + 10);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    const used = { ...row, lastUsedAt: T0 + 10 };
    await keys.touch(used, T0 + 10 + 59_999);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10);
    await keys.touch(used, T0 + 10 + 60_000);
    expect(await lastUsedAt(ts, row.id)).toBe(T0 + 10 + 60_000);
  });
});
