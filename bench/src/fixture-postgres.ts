/**
 * The load fixture of `fixture.ts`, written into a migrated PostgreSQL database while the server
 * is stopped: the same organization, people, pools and audit trail, with the same values
 * computed by the server's own code. Rows go in by columns, one statement per batch of
 * thousands (`INSERT … SELECT FROM unnest($1::type[], …)`), not one round trip per row.
 */

import { encodeCursor } from '../../apps/bff/src/lib/pagination.ts';
import { loadServerSecret } from '../../apps/bff/src/lib/server-secret.ts';
import { sha256, sortableId } from '../../apps/bff/src/lib/tokens.ts';
import { openPostgres } from '../../apps/bff/src/store/postgres/client.ts';
import { credentialFingerprint } from '../../apps/bff/src/store/sqlite/credentials.ts';
import { profileRolePresets } from '../../packages/contracts/src/permissions.ts';
import {
  adminSeenUntil,
  chainedAuditRows,
  emptyFixture,
  type Fixture,
  type FixtureOptions,
  inBatches,
  loadMember,
  type Pools,
  secret,
} from './fixture.ts';

/** One connection of the pool (its transactions and settings hold across statements). */
type Client = Pick<ReturnType<typeof openPostgres>['pool'], 'query'>;

/** Rows per statement: each column is one array parameter, so no bound on parameters bites. */
const BATCH = 10_000;

/**
 * Inserts `rows` into `table`, a batch per statement: each column is sent as one array of its
 * PostgreSQL type and unnested (a `jsonb` column travels as text and is cast). Column names are
 * the bench's own constants, never input.
 */
async function insertRows(
  client: Client,
  table: string,
  columns: Record<string, string>,
  rows: Iterable<Record<string, unknown>>,
): Promise<void> {
  const names = Object.keys(columns);
  const arrays = names.map((name, i) => {
    const type = columns[name] === 'jsonb' ? 'text' : columns[name];
    return `$${i + 1}::${type}[]`;
  });
  const select = names.map((name) => (columns[name] === 'jsonb' ? `${name}::jsonb` : name));
  const statement = `INSERT INTO ${table} (${names.join(', ')})
    SELECT ${select.join(', ')} FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})`;
  for (const batch of inBatches(rows, BATCH)) {
    await client.query(
      statement,
      names.map((name) => batch.map((row) => row[name] ?? null)),
    );
  }
}

/**
 * The first of `count` ids of `table`'s sequence, taken at once: the ids from it on are the
 * fixture's, written explicitly, and the sequence goes on after them.
 */
async function reserveIds(client: Client, table: string, count: number): Promise<number> {
  const { rows } = await client.query<{ first: string }>(
    `SELECT nextval(pg_get_serial_sequence($1, 'id')) AS first`,
    [table],
  );
  const first = Number(rows[0]?.first);
  if (count > 1) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, [
      table,
      first + count - 1,
    ]);
  }
  return first;
}

/**
 * Writes the load fixture (see `seedLoadFixture` in fixture.ts) into the database at `url`,
 * which the server has migrated and seeded with the demo and is no longer running on. The
 * chain's key is the server's (`ONBEHALF_SECRET`, here `serverSecret`), and the trail goes on
 * from the chain's head row, `audit_head`, as the server's appends do; that row then names the
 * last seeded event.
 */
export async function seedPostgresFixture(
  url: string,
  dataDir: string,
  serverSecret: string,
  options: FixtureOptions,
  /** Told how long each step took. */
  log: (message: string) => void = () => {},
): Promise<{ fixture: Fixture; extra: Pools }> {
  let started = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    log(`  ${name}: ${((now - started) / 1000).toFixed(1)} s`);
    started = now;
  };
  // A bulk load: statements of minutes, none of the server's timeouts.
  const { pool } = openPostgres(url, { max: 1, statementTimeoutMs: 0, idleInTransactionMs: 0 });
  const client = await pool.connect();
  try {
    // A database written by this process alone before the measured server starts on it: a
    // crash would lose only the fixture. Index builds get room to sort in memory.
    await client.query('SET synchronous_commit = off');
    await client.query(`SET maintenance_work_mem = '512MB'`);
    const seeded = await seedPeople(client, options);
    step('organization, people and pools');
    seeded.fixture.auditEventsBefore = await seedAuditTrail(
      client,
      loadServerSecret(dataDir, serverSecret).auditKey,
      {
        count: options.auditEvents,
        now: seeded.now,
        organizationId: seeded.fixture.organizationId,
        userIds: seeded.memberUserIds,
      },
      step,
    );
    // As autovacuum would have done on a database in service: the planner's statistics, and
    // the visibility map that lets index-only scans skip the table.
    await client.query('VACUUM (ANALYZE)');
    step('VACUUM (ANALYZE)');
    // The fixture's WAL starts a checkpoint, which PostgreSQL spreads over minutes
    // (`checkpoint_completion_target`): without this it ran through the first scenarios, its
    // writes and final sync billed to them. The fixture's data is on disk before the measured
    // server starts.
    await client.query('CHECKPOINT');
    step('CHECKPOINT');
    return { fixture: seeded.fixture, extra: seeded.extra };
  } finally {
    client.release();
    await pool.end();
  }
}

/** Load Corp, its people and the pools of credentials, in one transaction. */
async function seedPeople(client: Client, options: FixtureOptions) {
  const now = Date.now();
  const { fixture, extra } = emptyFixture(options);
  const memberUserIds: number[] = [];
  await client.query('BEGIN');
  const owner = await client.query<{ password_hash: string }>(
    `SELECT password_hash FROM users WHERE email = 'owner@acme.test'`,
  );
  const passwordHash = owner.rows[0]?.password_hash;
  if (!passwordHash) throw new Error('the demo owner is missing: was the demo seeded?');
  const org = await client.query<{ id: number }>(
    `INSERT INTO organizations (name, kind, impersonation_enabled, impersonation_max_minutes, created_at)
     VALUES ('Load Corp', 'company', true, 60, $1) RETURNING id`,
    [now],
  );
  fixture.organizationId = Number(org.rows[0]?.id);

  const firstUser = await reserveIds(client, 'users', options.users);
  const firstProfile = await reserveIds(client, 'profiles', options.users);
  const people = Array.from({ length: options.users }, (_, i) => ({
    ...loadMember(fixture, i),
    userId: firstUser + i,
    profileId: firstProfile + i,
  }));
  const admin = people.find((p) => p.role === 'admin');
  if (!admin) throw new Error('Load Corp has no team admin');
  for (const { role, email, userId, profileId } of people) {
    if (role !== 'member') continue;
    memberUserIds.push(userId);
    fixture.memberProfileIds.push(profileId);
    if (fixture.memberEmails.length < 50) fixture.memberEmails.push(email);
  }
  await insertRows(
    client,
    'users',
    {
      id: 'int',
      email: 'text',
      name: 'text',
      password_hash: 'text',
      password_changed_at: 'bigint',
      status: 'text',
      kind: 'text',
      created_at: 'bigint',
    },
    people.map((p) => ({
      id: p.userId,
      email: p.email,
      name: p.name,
      password_hash: passwordHash,
      password_changed_at: now,
      status: 'active',
      kind: 'customer',
      created_at: now,
    })),
  );
  // sort_name is filled by the profiles_sort_name_insert trigger.
  await insertRows(
    client,
    'profiles',
    {
      id: 'int',
      user_id: 'int',
      organization_id: 'int',
      role: 'text',
      permissions: 'jsonb',
      allow_team_impersonation: 'boolean',
      created_at: 'bigint',
    },
    people.map((p) => ({
      id: p.profileId,
      user_id: p.userId,
      organization_id: fixture.organizationId,
      role: p.role,
      permissions: JSON.stringify(profileRolePresets[p.role]),
      allow_team_impersonation: true,
      created_at: now,
    })),
  );
  const middle = await client.query<{ sort_name: string; id: number }>(
    `SELECT sort_name, id FROM profiles WHERE organization_id = $1
     ORDER BY sort_name, id LIMIT 1 OFFSET $2`,
    [fixture.organizationId, Math.floor(options.users / 2)],
  );
  const { sort_name: sortName, id: middleId } = middle.rows[0] ?? { sort_name: '', id: 0 };
  fixture.middleCursor = encodeCursor([sortName, middleId]);

  // Delivered by email, made by the system (the command line), fingerprinted like the server does.
  const fingerprint = credentialFingerprint({ passwordHash });
  const links = Array.from({ length: options.oneClickLinks + options.extraPool }, (_, i) => {
    const userId = memberUserIds[i % memberUserIds.length] as number;
    const hash = secret();
    (i < options.oneClickLinks ? fixture.oneClick : extra.oneClick).push({ userId, hash });
    return { id: sortableId(now), user_id: userId, secret_hash: sha256(hash) };
  });
  await insertRows(
    client,
    'one_click_links',
    {
      id: 'text',
      user_id: 'int',
      secret_hash: 'text',
      created_at: 'bigint',
      expires_at: 'bigint',
      credential_fingerprint: 'text',
      delivery: 'text',
      purpose: 'text',
    },
    links.map((link) => ({
      ...link,
      created_at: now,
      expires_at: now + 86_400_000,
      credential_fingerprint: fingerprint,
      delivery: 'email',
      purpose: 'delivered',
    })),
  );

  // Login tokens for a person, emailed to them (`use` = 'email'); the last one reusable.
  const tokenCount = options.loginTokens + options.extraPool + 1;
  const firstToken = await reserveIds(client, 'login_tokens', tokenCount);
  const tokens = Array.from({ length: tokenCount }, (_, i) => {
    const id = firstToken + i;
    const value = secret();
    const reusable = i === tokenCount - 1;
    const token = `${id}.${value}`;
    if (reusable) fixture.reusableToken = token;
    else (i < options.loginTokens ? fixture.oneTimeTokens : extra.oneTimeTokens).push(token);
    return {
      id,
      secret_hash: sha256(value),
      profile_id: fixture.memberProfileIds[i % fixture.memberProfileIds.length],
      one_time_use: !reusable,
    };
  });
  await insertRows(
    client,
    'login_tokens',
    {
      id: 'int',
      secret_hash: 'text',
      profile_id: 'int',
      created_at: 'bigint',
      expires_at: 'bigint',
      one_time_use: 'boolean',
      use: 'text',
      credential_fingerprint: 'text',
    },
    tokens.map((token) => ({
      ...token,
      created_at: now,
      expires_at: now + 86_400_000,
      use: 'email',
      credential_fingerprint: fingerprint,
    })),
  );

  // As on the server, only the SHA-256 of each session token is stored, under a ULID.
  const sessions = Array.from({ length: options.sessions + options.extraPool }, (_, i) => {
    const token = secret();
    const profileId = fixture.memberProfileIds[i % fixture.memberProfileIds.length] as number;
    (i < options.sessions ? fixture.sessions : extra.sessions).push({ token, profileId });
    return {
      id: sortableId(now),
      token_hash: sha256(token),
      user_id: memberUserIds[i % memberUserIds.length],
      profile_id: profileId,
    };
  });
  // The team admin's, one per impersonation pair (see `Fixture.adminSessions`).
  const adminSessions = Array.from({ length: options.sessions + options.extraPool }, (_, i) => {
    const token = secret();
    (i < options.sessions ? fixture.adminSessions : extra.adminSessions).push(token);
    return {
      id: sortableId(now),
      token_hash: sha256(token),
      user_id: admin.userId,
      profile_id: admin.profileId,
      last_seen_at: adminSeenUntil(now),
    };
  });
  await insertRows(
    client,
    'sessions',
    {
      id: 'text',
      token_hash: 'text',
      user_id: 'int',
      profile_id: 'int',
      method: 'text',
      created_at: 'bigint',
      expires_at: 'bigint',
      last_seen_at: 'bigint',
    },
    [...sessions.map((session) => ({ ...session, last_seen_at: now })), ...adminSessions].map(
      (session) => ({
        ...session,
        method: 'password',
        created_at: now,
        expires_at: now + 6 * 3_600_000,
      }),
    ),
  );
  await client.query('COMMIT');
  return { fixture, extra, memberUserIds, now };
}

/**
 * Appends the seeded trail (`chainedAuditRows`) from the chain's head row, then moves that row
 * to its last event, in one transaction. The trail's indexes are dropped first and built again
 * from the stored rows at the end, from their definitions as the database holds them (not
 * copied here): one build sorts once, where a million inserts would each update six B-trees
 * and the full-text GIN index. Returns the id the seeded events follow.
 */
async function seedAuditTrail(
  client: Client,
  key: Buffer,
  options: { count: number; now: number; organizationId: number; userIds: number[] },
  step: (name: string) => void,
): Promise<number> {
  await client.query('BEGIN');
  const head = await client.query<{ last_hash: string }>(
    'SELECT last_hash FROM audit_head WHERE id = 1 FOR UPDATE',
  );
  const headHash = head.rows[0]?.last_hash;
  if (!headHash) throw new Error('the audit chain head row is missing: was the database migrated?');
  if (options.count === 0) {
    await client.query('COMMIT');
    return 0;
  }
  const first = await reserveIds(client, 'audit_events', options.count);
  const indexes = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = 'audit_events'
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'audit_events'::regclass)`,
  );
  for (const { indexname } of indexes.rows) await client.query(`DROP INDEX "${indexname}"`);
  let id = first;
  let last = { id: 0, hash: headHash };
  const rows = (function* () {
    for (const row of chainedAuditRows(key, headHash, options)) {
      last = { id, hash: row.hash };
      yield {
        id: id++,
        at: row.at,
        type: row.type,
        actor_user_id: row.actorUserId,
        actor_kind: row.actorKind,
        subject_user_id: row.subjectUserId,
        organization_id: row.organizationId,
        session_id: row.sessionId,
        impersonation_id: row.impersonationId,
        ip: row.ip,
        user_agent: row.userAgent,
        request_id: row.requestId,
        reason: row.reason,
        details: row.details,
        prev_hash: row.prevHash,
        hash: row.hash,
        keyed: true,
      };
    }
  })();
  await insertRows(
    client,
    'audit_events',
    {
      id: 'bigint',
      at: 'bigint',
      type: 'text',
      actor_user_id: 'int',
      actor_kind: 'text',
      subject_user_id: 'int',
      organization_id: 'int',
      session_id: 'text',
      impersonation_id: 'text',
      ip: 'text',
      user_agent: 'text',
      request_id: 'text',
      reason: 'text',
      details: 'text',
      prev_hash: 'text',
      hash: 'text',
      keyed: 'boolean',
    },
    rows,
  );
  step('audit trail, chained and inserted');
  for (const { indexdef } of indexes.rows) await client.query(indexdef);
  step(`its ${indexes.rows.length} indexes built`);
  await client.query(
    'UPDATE audit_head SET last_id = $1, last_hash = $2, keyed = true WHERE id = 1',
    [last.id, last.hash],
  );
  await client.query('COMMIT');
  return first - 1;
}
