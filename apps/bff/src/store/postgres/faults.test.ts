import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sha256, sortableId } from '../../lib/tokens.ts';
import { customerWithProfile, insertRow, operator } from '../test-rows.ts';
import { freshStore } from '../test-stores.ts';
import { openPostgres } from './client.ts';
import {
  describeConnectionFailure,
  describeStartFailure,
  isDatabaseUnavailable,
} from './faults.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

describe('a database that went away', () => {
  it('is told from a request that went wrong, through what drizzle wraps', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const terminated = Object.assign(new Error('terminating connection'), { code: '57P01' });
    for (const error of [
      refused,
      terminated,
      Object.assign(new Error('too many clients'), { code: '53300' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      Object.assign(new Error('could not serialize access'), { code: '40001' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Failed query: select 1', { cause: terminated }),
      new AggregateError([refused], ''),
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
    for (const error of [
      new Error('boom'),
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      Object.assign(new Error('syntax error'), { code: '42601' }),
      new Error('Failed query: insert', {
        cause: Object.assign(new Error('not null'), { code: '23502' }),
      }),
      'a string',
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it('is described in one line naming where, never the password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6543'), {
      code: 'ECONNREFUSED',
    });
    const line = describeConnectionFailure(
      'postgres://app:hunter2@127.0.0.1:6543/onbehalf',
      refused,
    );
    expect(line).toBe(
      'Cannot reach PostgreSQL at 127.0.0.1:6543/onbehalf (connect ECONNREFUSED 127.0.0.1:6543): check DATABASE_URL and that the database server is running.',
    );
    const empty = Object.assign(new AggregateError([refused], ''), { code: 'ECONNREFUSED' });
    expect(describeConnectionFailure('postgres://db.internal/x', empty)).toMatch(
      /^Cannot reach PostgreSQL at db\.internal:5432\/x \(connect ECONNREFUSED 127\.0\.0\.1:6543\)/,
    );
  });

  it("at start, says in one line what PostgreSQL answered, not drizzle's statement; ours as they are", () => {
    const url = 'postgres://app:hunter2@db.internal:5433/onbehalf';
    const denied = Object.assign(new Error('permission denied for database onbehalf'), {
      code: '42501',
      severity: 'ERROR',
    });
    const wrapped = new Error('Failed query: CREATE SCHEMA IF NOT EXISTS "drizzle"\nparams: ', {
      cause: denied,
    });
    expect(String(describeStartFailure(url, wrapped))).toBe(
      'Error: PostgreSQL at db.internal:5433/onbehalf refused: permission denied for database onbehalf (SQLSTATE 42501): the role in DATABASE_URL applies the migrations, so it must own the database (or hold CREATE on it and on its public schema).',
    );
    const other = Object.assign(new Error('relation "x"\n does not exist'), {
      code: '42P01',
      severity: 'ERROR',
    });
    expect(String(describeStartFailure(url, new Error('Failed query', { cause: other })))).toBe(
      'Error: PostgreSQL at db.internal:5433/onbehalf refused: relation "x" does not exist (SQLSTATE 42P01).',
    );
    // Lost while waiting for another process's migration: said as a connection failure.
    const gone = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      severity: 'FATAL',
    });
    expect(String(describeStartFailure(url, new Error('Failed query', { cause: gone })))).toMatch(
      /^Error: Cannot reach PostgreSQL at db\.internal:5433\/onbehalf \(terminating connection due to administrator command\)/,
    );
    // Our own refusals (another secret, say) already say what is wrong.
    const ours = new Error('ONBEHALF_SECRET is not the one this database was started with.');
    expect(describeStartFailure(url, ours)).toBe(ours);
    expect(String(describeStartFailure(url, wrapped))).not.toContain('hunter2');
  });

  it('leaves nothing half-written when the connection is lost inside a command', async () => {
    const ts = await freshStore('postgres');
    const agent = await operator(ts, 'agent@onbehalf.test', 'support');
    const alice = await customerWithProfile(ts, { email: 'alice@acme.test' });
    const session = await insertRow(ts, 'sessions', {
      id: 'agent-session',
      tokenHash: sha256('agent-token'),
      userId: agent.id,
      profileId: null,
      method: 'password',
      createdAt: 0,
      expiresAt: Date.now() + 3_600_000,
      lastSeenAt: 0,
    });
    // The command's first write lands, then its connection dies before the audit append does.
    await ts.db.execute(sql`
      CREATE FUNCTION lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`);
    await ts.db.execute(sql`
      CREATE TRIGGER lose_connection BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION lose_connection()`);

    const now = Date.now();
    const id = sortableId(now);
    const issued = ts.store.impersonation.issueHandoff({
      handoff: {
        id,
        door: 'operator',
        actorUserId: agent.id,
        actorProfileId: null,
        actorSessionId: session.id,
        targetUserId: alice.user.id,
        targetProfileId: alice.profile.id,
        organizationId: alice.organizationId,
        reason: 'ticket 42',
        ticket: 'T-42',
        handoffTokenHash: sha256('secret'),
        handoffExpiresAt: now + 60_000,
        issuedAt: now,
      },
      audit: {
        type: 'impersonation.token_issued',
        at: now,
        actor: { userId: agent.id, kind: 'operator' },
        subjectUserId: alice.user.id,
        impersonationId: id,
        details: { door: 'operator' },
      },
      meta,
    });
    const failure = await issued.then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(failure)).toBe(true);

    const reader = openPostgres(ts.url, { max: 1 });
    try {
      const left = await reader.pool.query('SELECT count(*)::int AS n FROM impersonations');
      expect(left.rows[0]?.n).toBe(0);
    } finally {
      await reader.pool.end();
    }
  });
});
