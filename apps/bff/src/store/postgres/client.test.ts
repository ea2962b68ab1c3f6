import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { count, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  finishWith,
  MAINTENANCE_POOL,
  MIGRATION_LOCK,
  migratePostgres,
  openPostgres,
  type PgTx,
  READ_SLACK_MS,
  readTimeoutFor,
  STATEMENT_TIMEOUT_MS,
  transaction,
  withSettings,
} from './client.ts';
import { isDatabaseUnavailable } from './faults.ts';
import { users } from './schema.ts';
import { startTestCluster, type TestCluster } from './test-cluster.ts';
import { watchStatements } from './test-round-trips.ts';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster.stop());

/**
 * Opens `n` connections of `pool` and leaves them idle in it, retrying a connect that ran past
 * the pool's (short) connection timeout.
 */
async function openConnections(pool: pg.Pool, n: number): Promise<void> {
  const clients: pg.PoolClient[] = [];
  for (let attempt = 0; clients.length < n; attempt++) {
    try {
      clients.push(await pool.connect());
    } catch (error) {
      if (attempt >= 20 || !isDatabaseUnavailable(error)) throw error;
    }
  }
  for (const client of clients) client.release();
}

async function freshDatabase(name: string) {
  const admin = openPostgres(cluster.url, { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name}`);
  await admin.pool.end();
  return cluster.urlFor(name);
}

describe('PostgreSQL migrations', () => {
  it('three processes migrating one empty database at once come up as one: each waits, none fails, the seed runs once', async () => {
    const url = await freshDatabase('race');
    const stores = [1, 2, 3].map(() => openPostgres(url, { max: 2 }));
    let seeded = 0;
    await Promise.all(
      stores.map(({ pool }) =>
        migratePostgres(pool, async (db) => {
          const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(users);
          if (n === 0) {
            seeded += 1;
            await db
              .insert(users)
              .values({ email: 'a@b.test', name: 'A', kind: 'customer', createdAt: 0 });
          }
        }),
      ),
    );
    expect(seeded).toBe(1);
    const { rows } = (await stores[0]?.pool.query('SELECT count(*)::int AS n FROM users')) ?? {
      rows: [],
    };
    expect(rows[0]).toEqual({ n: 1 });
    await Promise.all(stores.map(({ pool }) => pool.end()));
  });

  it('the audit trail and its checkpoints are append-only in the database itself', async () => {
    const url = await freshDatabase('append_only');
    const { pool } = openPostgres(url);
    await migratePostgres(pool);
    await pool.query(
      `INSERT INTO audit_events (at, type, prev_hash, hash) VALUES (1, 'auth.signed_out', 'x', 'y')`,
    );
    await expect(pool.query(`UPDATE audit_events SET type = 'order.placed'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    // The retention prune says so in its own transaction, and only there.
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query(`SET LOCAL onbehalf.audit_prune = 'on'`);
    await client.query('DELETE FROM audit_events');
    await client.query('COMMIT');
    client.release();
    await pool.query(
      `INSERT INTO audit_events (at, type, prev_hash, hash) VALUES (2, 'auth.signed_out', 'y', 'z')`,
    );
    await expect(pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    await pool.end();
  });

  it("a profile's sort name and words follow its user's name and email; people are searched through an index", async () => {
    const url = await freshDatabase('search');
    const { pool } = openPostgres(url);
    await migratePostgres(pool);
    await pool.query(
      `INSERT INTO users (email, name, kind, created_at) VALUES ('jane.doe@acme.test', 'Jane Doe', 'customer', 0)`,
    );
    await pool.query(
      `INSERT INTO organizations (name, kind, created_at) VALUES ('Acme', 'company', 0)`,
    );
    await pool.query(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at) VALUES (1, 1, 'member', '[]', 0)`,
    );
    const sortName = async () =>
      (await pool.query('SELECT sort_name FROM profiles')).rows[0]?.sort_name;
    // The profile carries its person's words (migration 0012) for the team page's walk.
    const wordsOf = async () =>
      (
        await pool.query<{ words: string[]; same: boolean }>(
          'SELECT tsvector_to_array(profiles.words) AS words, profiles.words = users.words AS same FROM profiles JOIN users ON users.id = profiles.user_id',
        )
      ).rows[0];
    expect(await sortName()).toBe('jane doe');
    expect(await wordsOf()).toEqual({ words: ['acme', 'doe', 'jane', 'test'], same: true });
    await pool.query(`UPDATE users SET name = 'Jane Smith'`);
    expect(await sortName()).toBe('jane smith');
    expect(await wordsOf()).toEqual({
      words: ['acme', 'doe', 'jane', 'smith', 'test'],
      same: true,
    });
    // An email alone changes the words, not the sort name.
    await pool.query(`UPDATE users SET email = 'jsmith@globex.test'`);
    expect(await sortName()).toBe('jane smith');
    expect(await wordsOf()).toEqual({
      words: ['globex', 'jane', 'jsmith', 'smith', 'test'],
      same: true,
    });
    const found = await pool.query(
      `SELECT id FROM users
       WHERE to_tsvector('simple', name || ' ' || translate(email, '@.', '  ')) @@ to_tsquery('simple', 'smi:*')`,
    );
    expect(found.rows).toEqual([{ id: 1 }]);
    await pool.end();
  });
});

describe('planning', () => {
  it("plans no Memoize on the pool's connections, where a default session would", async () => {
    const url = await freshDatabase('memoize');
    const { pool } = openPostgres(url);
    // A page of events joined to their people, as the audit page is: the people many, the
    // page small, the join planned over the whole table before the LIMIT.
    await pool.query(`
      CREATE TABLE people (id int PRIMARY KEY, name text);
      CREATE TABLE events (id bigint PRIMARY KEY, person int);
      INSERT INTO people SELECT g, 'p' || g FROM generate_series(1, 20000) g;
      INSERT INTO events SELECT g, 1 + (g * 7919) % 20000 FROM generate_series(1, 200000) g;
      ANALYZE people; ANALYZE events;`);
    const page =
      'EXPLAIN SELECT e.id, p.name FROM events e LEFT JOIN people p ON p.id = e.person ORDER BY e.id DESC LIMIT 51';
    const plan = async (client: { query: pg.Pool['query'] }) =>
      (await client.query<{ 'QUERY PLAN': string }>(page)).rows
        .map((row) => row['QUERY PLAN'])
        .join('\n');
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    try {
      expect(await plan(plain)).toContain('Memoize');
      expect(await plan(pool)).not.toContain('Memoize');
      expect(await plan(pool)).toContain('Index Scan using people_pkey');
    } finally {
      await plain.end();
      await pool.end();
    }
  });

  it("compiles nothing on the pool's connections, where a default session would", async () => {
    const url = await freshDatabase('jit');
    const { pool } = openPostgres(url);
    // A walk costed over a whole table before its LIMIT: past `jit_above_cost`, and compiled
    // for 60-190 ms at 100,000 people when the statement itself took a millisecond.
    const walk =
      'EXPLAIN (FORMAT JSON) SELECT g FROM generate_series(1, 20000000) g WHERE g % 7 = 3 ORDER BY g LIMIT 5';
    const compiled = async (client: { query: pg.Pool['query'] }) => {
      const [row] = (await client.query<{ 'QUERY PLAN': [object] }>(walk)).rows;
      return row !== undefined && 'JIT' in row['QUERY PLAN'][0];
    };
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    try {
      expect(await compiled(plain)).toBe(true);
      expect(await compiled(pool)).toBe(false);
    } finally {
      await plain.end();
      await pool.end();
    }
  });
});

describe('durable commits', () => {
  it("wait for their flush on the pool's connections, even where the database says not to", async () => {
    const url = await freshDatabase('durable');
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // A database set to answer commits before they are on disk.
      await admin.query(`ALTER DATABASE "${name}" SET synchronous_commit = off`);
      const plain = new pg.Client({ connectionString: url });
      await plain.connect();
      const { pool } = openPostgres(url);
      try {
        const setting = async (client: { query: pg.Pool['query'] }) =>
          (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]
            ?.synchronous_commit;
        expect(await setting(plain)).toBe('off');
        expect(await setting(pool)).toBe('on');
      } finally {
        await plain.end();
        await pool.end();
      }
    } finally {
      await admin.end();
    }
  });
});

describe('settings a DATABASE_URL carries', () => {
  async function settingsVia(url: string) {
    const { pool } = openPostgres(url, { max: 1 });
    try {
      const { rows } = await pool.query(
        `SELECT current_setting('synchronous_commit') AS sync, current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('work_mem') AS work, current_setting('search_path') AS path`,
      );
      return rows[0];
    } finally {
      await pool.end();
    }
  }
  const theirs = encodeURIComponent(
    '-c synchronous_commit=off -c statement_timeout=0 -c work_mem=8MB -c search_path=public',
  );
  const ours = { sync: 'on', statement: '10s', idle: '30s' };

  it('leave all else the URL says to node-postgres, TLS included, without what it may not set', () => {
    const ours = ['-c jit=off'];
    const url =
      'postgres://app:p%40ss@db.example:5433/app?sslmode=require&options=-c%20search_path%3Dx&statement_timeout=0&ssl=no-verify&idle_in_transaction_session_timeout=0&query_timeout=1';
    expect(withSettings(url, ours)).toEqual({
      connectionString: 'postgres://app:p%40ss@db.example:5433/app?sslmode=require&ssl=no-verify',
      options: '-c search_path=x -c jit=off',
    });
    expect(withSettings('postgres://app@db.example/app', ours)).toEqual({
      connectionString: 'postgres://app@db.example/app',
      options: '-c jit=off',
    });
  });

  it('are kept beside ours, never in place of them: durability and the limits stay', async () => {
    expect(await settingsVia(`${cluster.url}?options=${theirs}`)).toEqual({
      ...ours,
      work: '8MB',
      path: 'public',
    });
  });

  it('the same over a Unix socket, and the limits given as parameters of their own are not taken', async () => {
    const socket = `postgres://postgres@/postgres?host=${encodeURIComponent(cluster.directory)}&port=${cluster.port}&options=${theirs}`;
    expect(await settingsVia(socket)).toMatchObject({ ...ours, work: '8MB', path: 'public' });
    const limits = `${cluster.url}?statement_timeout=0&idle_in_transaction_session_timeout=0`;
    expect(await settingsVia(limits)).toMatchObject(ours);
  });
});

describe('runaway work', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** A setting as the pool's connections have it. */
  const showOn = (pool: pg.Pool) => async (name: string) =>
    Object.values((await pool.query(`SHOW ${name}`)).rows[0] ?? {})[0];

  it("is bounded on the pool's connections: a statement, and a transaction left idle", async () => {
    const { pool } = openPostgres(cluster.url, { max: 1 });
    try {
      const shown = showOn(pool);
      expect(await shown('statement_timeout')).toBe('10s');
      expect(await shown('idle_in_transaction_session_timeout')).toBe('30s');
    } finally {
      await pool.end();
    }
  });

  it("lifts the statement timeout for an operator's maintenance command, never the idle one", async () => {
    const { pool } = openPostgres(cluster.url, { max: 1, ...MAINTENANCE_POOL });
    try {
      const shown = showOn(pool);
      expect(await shown('statement_timeout')).toBe('0');
      expect(await shown('idle_in_transaction_session_timeout')).toBe('30s');
    } finally {
      await pool.end();
    }
  });

  it('a statement past its time is cancelled and answered as the database unavailable (503); the pool goes on', async () => {
    const { pool } = openPostgres(cluster.url, { max: 1, statementTimeoutMs: 200 });
    try {
      const cancelled = await pool.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
      expect(cancelled).toMatchObject({ code: '57014' });
      expect(isDatabaseUnavailable(cancelled)).toBe(true);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('a request that finds every connection taken waits a bounded time, then is answered as the database unavailable (503)', async () => {
    const { pool } = openPostgres(cluster.url, { max: 1, waitMs: 300 });
    const held = await pool.connect();
    try {
      const started = Date.now();
      const waited = await pool.query('SELECT 1').catch((error: unknown) => error);
      expect(waited).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(waited)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it("a process stopped inside a transaction loses it, and its row locks go to the others' writes", async () => {
    const url = await freshDatabase('idle_in_transaction');
    const stopped = openPostgres(url, { max: 1, idleInTransactionMs: 300 });
    const other = openPostgres(url, { max: 1, statementTimeoutMs: 5_000 });
    try {
      await migratePostgres(stopped.pool);
      await stopped.db
        .insert(users)
        .values({ email: 'held@b.test', name: 'Held', kind: 'customer', createdAt: 0 });
      let woke = false;
      let locked = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const held = transaction(stopped.db, async (tx) => {
        await tx.execute(sql`SELECT id FROM users WHERE email = 'held@b.test' FOR UPDATE`);
        locked();
        // Stopped: longer than the server lets a transaction sit idle.
        await sleep(2_000);
        woke = true;
        await tx.select().from(users);
      }).catch((error: unknown) => error);
      await lockTaken;
      // The other process's write waits for the lock only until the server ends the idle one,
      // not until the stopped one wakes.
      await other.db.update(users).set({ name: 'Freed' }).where(eq(users.email, 'held@b.test'));
      expect(woke).toBe(false);
      expect(isDatabaseUnavailable(await held)).toBe(true);
    } finally {
      await Promise.all([stopped.pool.end(), other.pool.end()]);
    }
  });

  it('a migration that fails gives its connection back with the limits', async () => {
    const url = await freshDatabase('failed_migration');
    const { pool } = openPostgres(url, { max: 1 });
    try {
      await expect(
        migratePostgres(pool, async () => {
          throw new Error('the seed failed');
        }),
      ).rejects.toThrow('the seed failed');
      const { rows } = await pool.query('SHOW statement_timeout');
      expect(rows).toEqual([{ statement_timeout: '10s' }]);
    } finally {
      await pool.end();
    }
  });

  it('does not cut a migration short: one waits past the timeout for another to finish', async () => {
    const url = await freshDatabase('slow_migration');
    const { pool } = openPostgres(url, { max: 1, statementTimeoutMs: 200 });
    const elsewhere = new pg.Client({ connectionString: url });
    await elsewhere.connect();
    try {
      // Another process holding the migration lock for longer than a statement may run.
      await elsewhere.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
      const migrated = migratePostgres(pool);
      await sleep(700);
      await elsewhere.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
      await migrated;
      expect((await pool.query('SELECT count(*)::int AS n FROM users')).rows).toEqual([{ n: 0 }]);
      // The connection goes back to the pool with its timeout.
      const cancelled = await pool.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
      expect(cancelled).toMatchObject({ code: '57014' });
    } finally {
      await elsewhere.end();
      await pool.end();
    }
  });
});

describe('transaction', () => {
  it('commits the work, rolls all of it back when it throws, and hands one connection the same handle each time', async () => {
    const url = await freshDatabase('transactions');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    const handles = new Set<unknown>();
    await transaction(db, async (tx) => {
      handles.add(tx);
      await tx
        .insert(users)
        .values({ email: 'kept@b.test', name: 'K', kind: 'customer', createdAt: 0 });
    });
    await expect(
      transaction(db, async (tx) => {
        handles.add(tx);
        await tx
          .insert(users)
          .values({ email: 'gone@b.test', name: 'G', kind: 'customer', createdAt: 0 });
        throw new Error('decided against it');
      }),
    ).rejects.toThrow('decided against it');
    const emails = (await db.select({ email: users.email }).from(users)).map((u) => u.email);
    expect(emails).toEqual(['kept@b.test']);
    // One pooled connection, two transactions: statements prepared on the first are still there.
    expect(handles.size).toBe(1);
    expect(pool.idleCount).toBe(1);
    await pool.end();
  });

  it('runs a read-only snapshot when asked, refusing writes in it', async () => {
    const url = await freshDatabase('read_only');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    await expect(
      transaction(db, (tx) => tx.update(users).set({ name: 'X' }).where(eq(users.id, 1)), {
        isolation: 'repeatable read',
        readOnly: true,
      }),
      // 25006 read_only_sql_transaction, from PostgreSQL itself (drizzle wraps the driver's error)
    ).rejects.toMatchObject({ cause: { code: '25006' } });
    // The failed transaction was rolled back: its connection serves the next one.
    const [row] = await transaction(db, (tx) => tx.select({ n: count() }).from(users));
    expect(row?.n).toBe(0);
    await pool.end();
  });

  it('a last statement sent with COMMIT fails the transaction with its own error, and none of the work is kept', async () => {
    const url = await freshDatabase('last_statement');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    const add = (tx: PgTx, email: string) =>
      tx.insert(users).values({ email, name: 'N', kind: 'customer', createdAt: 0 });
    await transaction(db, (tx) => finishWith(tx, add(tx, 'first@b.test')));
    await expect(
      transaction(db, async (tx) => {
        await add(tx, 'second@b.test');
        // The same address again: refused by the unique index, after the work has returned.
        await finishWith(tx, add(tx, 'first@b.test'));
      }),
      // 23505 unique_violation: the statement's own error, not the COMMIT's
    ).rejects.toMatchObject({ cause: { code: '23505' } });
    await expect(
      transaction(db, async (tx) => {
        await finishWith(tx, add(tx, 'first@b.test'));
        // Refused in turn, as the transaction is aborted: the first failure is the one reported.
        await tx.select().from(users);
      }),
    ).rejects.toMatchObject({ cause: { code: '23505' } });
    const emails = (await db.select({ email: users.email }).from(users)).map((u) => u.email);
    expect(emails).toEqual(['first@b.test']);
    expect(pool.idleCount).toBe(1);
    await pool.end();
  });

  it('does not take a COMMIT that answered ROLLBACK for a commit, even when the work swallowed the failure', async () => {
    const url = await freshDatabase('swallowed_failure');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    await expect(
      transaction(db, async (tx) => {
        await tx
          .insert(users)
          .values({ email: 'lost@b.test', name: 'L', kind: 'customer', createdAt: 0 });
        await tx.execute(sql`SELECT 1 / 0`).catch(() => undefined);
        return 'done';
      }),
    ).rejects.toThrow('The transaction rolled back');
    expect(await db.select().from(users)).toEqual([]);
    await pool.end();
  });

  it('sends BEGIN with the first statement and COMMIT with a last one, each without waiting for the answer before it', async () => {
    const url = await freshDatabase('pipelined');
    const { db, pool } = openPostgres(url, { max: 1 });
    const sent: { text: string; unanswered: number }[] = [];
    const pipelined: boolean[] = [];
    // Without it the client would hold each statement back until the one before is answered.
    pool.on('connect', (client) => pipelined.push(client.pipeline));
    watchStatements(pool, (config, unanswered) =>
      sent.push({ text: typeof config === 'string' ? config : config.text, unanswered }),
    );
    await migratePostgres(pool);
    sent.length = 0;
    await transaction(db, async (tx) => {
      await tx.execute(sql`SELECT 'first'`);
      await tx.execute(sql`SELECT 'middle'`);
      await finishWith(tx, tx.execute(sql`SELECT 'last'`));
    });
    expect(sent).toEqual([
      { text: 'BEGIN', unanswered: 0 },
      { text: "SELECT 'first'", unanswered: 1 },
      { text: "SELECT 'middle'", unanswered: 0 },
      { text: "SELECT 'last'", unanswered: 0 },
      { text: 'COMMIT', unanswered: 1 },
    ]);
    expect(pipelined).toEqual([true]);
    // Outside a command, a last statement is simply awaited.
    let answered = false;
    await finishWith(
      db,
      db.execute(sql`SELECT 'alone'`).then(() => {
        answered = true;
      }),
    );
    expect(answered).toBe(true);
    await pool.end();
  });

  it('refuses a transaction inside another on the same connection, and keeps none of the work', async () => {
    const url = await freshDatabase('nested');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    try {
      await expect(
        transaction(db, async (tx) => {
          await tx
            .insert(users)
            .values({ email: 'outer@b.test', name: 'Outer', kind: 'customer', createdAt: 0 });
          await transaction(tx, async () => undefined);
        }),
      ).rejects.toThrow(/inside another/);
      const [row] = await db.select({ n: count() }).from(users);
      expect(row?.n).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('drops a connection that died under the work instead of lending it again', async () => {
    const url = await freshDatabase('lost_connection');
    const { db, pool } = openPostgres(url, { max: 1 });
    await migratePostgres(pool);
    const admin = openPostgres(url, { max: 1 });
    await expect(
      transaction(db, async (tx) => {
        await admin.pool.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()',
        );
        await tx.select().from(users);
      }),
    ).rejects.toThrow();
    expect(pool.totalCount).toBe(0);
    // The next transaction gets a new connection and works.
    const [row] = await transaction(db, (tx) => tx.select({ n: count() }).from(users));
    expect(row?.n).toBe(0);
    await Promise.all([pool.end(), admin.pool.end()]);
  });
});

/**
 * A TCP relay to the test server that can go silent: from `silence()` on, it carries no byte
 * either way and closes nothing, as a network does when the database's host is powered off or
 * its address moved in a failover; `speak()` lets new connections through again (the ones cut
 * stay cut, their peer gone).
 */
async function silentNetworkTo(port: number) {
  let silent = false;
  const pairs: { cut: boolean; near: Socket; far: Socket }[] = [];
  const relay = createServer((near) => {
    const far = connect(port, '127.0.0.1');
    const pair = { cut: silent, near, far };
    pairs.push(pair);
    const both = () => {
      near.destroy();
      far.destroy();
    };
    near.on('data', (bytes) => pair.cut || far.write(bytes));
    far.on('data', (bytes) => pair.cut || near.write(bytes));
    for (const socket of [near, far]) {
      socket.on('error', () => {});
      socket.on('close', () => pair.cut || both());
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `postgres://postgres@127.0.0.1:${(relay.address() as AddressInfo).port}/postgres`,
    silence() {
      silent = true;
      for (const pair of pairs) pair.cut = true;
    },
    speak() {
      silent = false;
    },
    async close() {
      for (const { near, far } of pairs) {
        near.destroy();
        far.destroy();
      }
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe('a network gone silent', () => {
  it('fails the statements under way as the database unavailable (503), and the pool serves again once the database answers', async () => {
    const network = await silentNetworkTo(cluster.port);
    const { db, pool } = openPostgres(network.url, { max: 2, readTimeoutMs: 500 });
    try {
      await openConnections(pool, 2);
      network.silence();
      const started = Date.now();
      const read = await pool.query('SELECT 1').catch((error: unknown) => error);
      const write = await transaction(db, (tx) => tx.select().from(users)).catch(
        (error: unknown) => error,
      );
      // Answered within the read timeout, not when the kernel gives up (minutes).
      expect(Date.now() - started).toBeLessThan(5_000);
      for (const failed of [read, write]) expect(isDatabaseUnavailable(failed)).toBe(true);
      // The dead connections are dropped, never lent again.
      expect(pool.totalCount).toBe(0);
      network.speak();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await network.close();
    }
  });

  it('waits for an answer as long as the statement timeout and some slack, and without end where statements have none', () => {
    expect(readTimeoutFor(STATEMENT_TIMEOUT_MS)).toBe(STATEMENT_TIMEOUT_MS + READ_SLACK_MS);
    // A maintenance command's statements (MAINTENANCE_POOL) may run as long as they need.
    expect(readTimeoutFor(MAINTENANCE_POOL.statementTimeoutMs)).toBe(0);
  });
});

describe('turns to write', () => {
  /** A gate a transaction's work waits at, opened by the test. */
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  }

  it('lets at most `writers` transactions run at once, the next in order as one ends', async () => {
    const url = await freshDatabase('turns');
    const { db, pool } = openPostgres(url, { max: 6, writers: 2 });
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const all = gates.map((g, i) =>
      transaction(db, async (tx) => {
        running++;
        most = Math.max(most, running);
        started.push(i);
        await tx.execute(sql`SELECT 1`);
        await g.opened;
        running--;
      }),
    );
    await expect.poll(() => started.length).toBe(2);
    // The pool has room for all four; the turns do not (without them `most` would reach 4
    // while the first gates are still shut). The first two had their turns at once, so which
    // of them began first is up to their connections; the waiters go in the order they came.
    expect([...started].sort()).toEqual([0, 1]);
    gates[1]?.open();
    await expect.poll(() => started.length).toBe(3);
    expect(started[2]).toBe(2);
    gates[0]?.open();
    gates[2]?.open();
    gates[3]?.open();
    await Promise.all(all);
    expect(started.slice(2)).toEqual([2, 3]);
    expect(most).toBe(2);
    await pool.end();
  });

  it('answers a write that found no turn in time as the database being unavailable (503), and reads go on', async () => {
    const url = await freshDatabase('turns_timeout');
    const { db, pool } = openPostgres(url, { max: 4, writers: 1, waitMs: 100 });
    // The short wait bounds a new connection too; on a loaded machine one can take longer, so
    // the connections this test uses are opened first and what it measures is the turn alone.
    await openConnections(pool, 3);
    const held = gate();
    const holding = transaction(db, async (tx) => {
      await tx.execute(sql`SELECT 1`);
      await held.opened;
    });
    const refused = await transaction(db, async () => 'ran').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    // A read-only snapshot writes nothing and takes no turn; plain reads use the pool.
    expect(
      await transaction(db, async (tx) => (await tx.execute(sql`SELECT 2 AS n`)).rows[0], {
        readOnly: true,
      }),
    ).toEqual({ n: 2 });
    expect((await pool.query('SELECT 3 AS n')).rows[0]).toEqual({ n: 3 });
    held.open();
    await holding;
    // The turn is given back: the next write runs.
    expect(await transaction(db, async () => 'ran')).toBe('ran');
    await pool.end();
  });
});
