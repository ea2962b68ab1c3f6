import { describe, expect, it } from 'vitest';
import type { LoginAttempt } from '../lib/login-attempt-row.ts';
import { maskEmail } from '../lib/mask-email.ts';
import type { RequestMeta } from '../lib/request-meta.ts';
import * as postgres from './postgres/login-attempts.ts';
import * as sqlite from './sqlite/login-attempts.ts';
import { rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;

/** Both adapters behind one shape, so each case below holds them to the same answers. */
function attemptsOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    return {
      record: async (attempt: LoginAttempt, meta: RequestMeta) =>
        sqlite.recordAttempt(db, attempt, meta),
    };
  }
  const { db } = ts;
  return {
    record: (attempt: LoginAttempt, meta: RequestMeta) => postgres.recordAttempt(db, attempt, meta),
  };
}

describe('masking an address', () => {
  it('keeps the first letter and the domain', () => {
    expect(maskEmail('jane.doe@acme.test')).toBe('j•••@acme.test');
  });
});

describe.each(dialects)('login attempts on %s', (dialect) => {
  it('every attempt is kept with what it was at and who tried from where', async () => {
    const ts = await freshStore(dialect);
    const attempts = attemptsOn(ts);
    await attempts.record(
      { kind: 'one_click', oneClickLinkId: 'link-1', userId: 7, outcome: 'success', at: T0 },
      { ip: '203.0.113.7', userAgent: 'browser', requestId: 'r-1' },
    );
    await attempts.record(
      { kind: 'login_token', loginTokenId: 42, outcome: 'invalid', at: T0 + 1 },
      { ip: null, userAgent: null, requestId: null },
    );

    const rows = (await rowsOf(ts, 'loginAttempts')).sort((a, b) => a.at - b.at);
    expect(rows.map(({ id: _, ...row }) => row)).toEqual([
      {
        kind: 'one_click',
        oneClickLinkId: 'link-1',
        loginTokenId: null,
        userId: 7,
        outcome: 'success',
        at: T0,
        ip: '203.0.113.7',
        userAgent: 'browser',
      },
      {
        kind: 'login_token',
        oneClickLinkId: null,
        loginTokenId: 42,
        userId: null,
        outcome: 'invalid',
        at: T0 + 1,
        ip: null,
        userAgent: null,
      },
    ]);
  });
});
