import { and, type Column, count, eq, isNull, type SQL } from 'drizzle-orm';
import type { AuditEntry } from '../lib/audit-event.ts';
import type { RequestMeta } from '../lib/request-meta.ts';
import { appendAudit } from './postgres/audit.ts';
import { transaction } from './postgres/client.ts';
import * as pg from './postgres/schema.ts';
import { recordAudit } from './sqlite/audit.ts';
import { auditCheckpoints, auditEvents, auditRepeats } from './sqlite/schema/audit-events.ts';
import { invoices, orders } from './sqlite/schema/commerce.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { jobs } from './sqlite/schema/jobs.ts';
import { apiKeys, loginAttempts, loginTokens, oneClickLinks } from './sqlite/schema/login-links.ts';
import { organizations } from './sqlite/schema/organizations.ts';
import { outboxMessages } from './sqlite/schema/outbox.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { sessions } from './sqlite/schema/sessions.ts';
import { settings } from './sqlite/schema/settings.ts';
import { testClocks } from './sqlite/schema/test-clocks.ts';
import { users } from './sqlite/schema/users.ts';
import type { TestStore } from './test-stores.ts';

/**
 * Plain rows for store tests, written and read the same way on either database, so a test can
 * set up people, organizations and credentials and look at what a function left behind without
 * going through the code under test.
 */
const tables = {
  users: [users, pg.users],
  organizations: [organizations, pg.organizations],
  profiles: [profiles, pg.profiles],
  sessions: [sessions, pg.sessions],
  impersonations: [impersonations, pg.impersonations],
  oneClickLinks: [oneClickLinks, pg.oneClickLinks],
  loginTokens: [loginTokens, pg.loginTokens],
  loginAttempts: [loginAttempts, pg.loginAttempts],
  apiKeys: [apiKeys, pg.apiKeys],
  auditRepeats: [auditRepeats, pg.auditRepeats],
  auditEvents: [auditEvents, pg.auditEvents],
  auditCheckpoints: [auditCheckpoints, pg.auditCheckpoints],
  orders: [orders, pg.orders],
  invoices: [invoices, pg.invoices],
  outboxMessages: [outboxMessages, pg.outboxMessages],
  jobs: [jobs, pg.jobs],
  testClocks: [testClocks, pg.testClocks],
  settings: [settings, pg.settings],
} as const;

type Name = keyof typeof tables;
type Insert<N extends Name> = (typeof tables)[N][0]['$inferInsert'];
type Row<N extends Name> = (typeof tables)[N][0]['$inferSelect'];

export async function insertRow<N extends Name>(
  ts: TestStore,
  name: N,
  values: Insert<N>,
): Promise<Row<N>> {
  const [sqliteTable, pgTable] = tables[name];
  if (ts.dialect === 'sqlite') {
    return ts.db
      .insert(sqliteTable)
      .values(values as never)
      .returning()
      .get() as Row<N>;
  }
  const [row] = await ts.db
    .insert(pgTable)
    .values(values as never)
    .returning();
  if (!row) throw new Error(`No ${name} row was inserted`);
  return row as Row<N>;
}

/** Every row of a table, in the order `rowsWhere` gives. */
export async function rowsOf<N extends Name>(ts: TestStore, name: N): Promise<Row<N>[]> {
  return rowsWhere(ts, name, {});
}

/**
 * The rows whose columns equal every value of `where` (null matches a missing value), in the
 * order of their id where the table has a numeric one, as inserted. Rows with a text id
 * (sessions, impersonations, …) come as the database reads them, which on PostgreSQL is not the
 * order they were written in: look those up by a column.
 */
export async function rowsWhere<N extends Name>(
  ts: TestStore,
  name: N,
  where: Partial<Row<N>>,
): Promise<Row<N>[]> {
  const [sqliteTable, pgTable] = tables[name];
  const rows =
    ts.dialect === 'sqlite'
      ? ts.db.select().from(sqliteTable).where(matching(sqliteTable, where)).all()
      : (await ts.db.select().from(pgTable).where(matching(pgTable, where))).map((row) =>
          // The audit trail's details are text on PostgreSQL (the hash covers the stored bytes).
          'details' in row && typeof row.details === 'string'
            ? { ...row, details: JSON.parse(row.details) as unknown }
            : row,
        );
  return (rows as Row<N>[]).sort((a, b) => numericId(a) - numericId(b));
}

/** The one row matching `where`; fails the test when there is none or more than one. */
export async function rowWhere<N extends Name>(
  ts: TestStore,
  name: N,
  where: Partial<Row<N>>,
): Promise<Row<N>> {
  const rows = await rowsWhere(ts, name, where);
  if (rows.length !== 1) {
    throw new Error(`${rows.length} ${name} rows match ${JSON.stringify(where)}, not one`);
  }
  return rows[0] as Row<N>;
}

/** How many rows match `where` (all of them without it). */
export async function countOf<N extends Name>(
  ts: TestStore,
  name: N,
  where: Partial<Row<N>> = {},
): Promise<number> {
  const [sqliteTable, pgTable] = tables[name];
  if (ts.dialect === 'sqlite') {
    return ts.db.select({ n: count() }).from(sqliteTable).where(matching(sqliteTable, where)).get()
      ?.n as number;
  }
  const [row] = await ts.db.select({ n: count() }).from(pgTable).where(matching(pgTable, where));
  return row?.n ?? 0;
}

/** Sets `set` on the rows matching `where`; answers how many it changed. */
export async function updateRows<N extends Name>(
  ts: TestStore,
  name: N,
  set: Partial<Insert<N>>,
  where: Partial<Row<N>>,
): Promise<number> {
  const [sqliteTable, pgTable] = tables[name];
  if (ts.dialect === 'sqlite') {
    return ts.db
      .update(sqliteTable)
      .set(set as never)
      .where(matching(sqliteTable, where))
      .run().changes;
  }
  const result = await ts.db
    .update(pgTable)
    .set(set as never)
    .where(matching(pgTable, where));
  return result.rowCount ?? 0;
}

/** Inserts many rows in one transaction, for tests that need a large table; answers them. */
export async function insertRows<N extends Name>(
  ts: TestStore,
  name: N,
  values: Insert<N>[],
): Promise<Row<N>[]> {
  const [sqliteTable, pgTable] = tables[name];
  const chunks = Array.from({ length: Math.ceil(values.length / 500) }, (_, i) =>
    values.slice(i * 500, (i + 1) * 500),
  );
  if (ts.dialect === 'sqlite') {
    return ts.db.transaction((tx) =>
      chunks.flatMap((chunk) =>
        tx
          .insert(sqliteTable)
          .values(chunk as never)
          .returning()
          .all(),
      ),
    ) as Row<N>[];
  }
  return (await ts.db.transaction(async (tx) => {
    const rows: unknown[] = [];
    for (const chunk of chunks) {
      rows.push(
        ...(await tx
          .insert(pgTable)
          .values(chunk as never)
          .returning()),
      );
    }
    return rows;
  })) as Row<N>[];
}

function matching(table: object, where: object): SQL | undefined {
  const columns = table as Record<string, Column>;
  return and(
    ...Object.entries(where).map(([key, value]) => {
      const column = columns[key];
      if (!column) throw new Error(`No column ${key}`);
      return value === null ? isNull(column) : eq(column, value);
    }),
  );
}

function numericId(row: object): number {
  return 'id' in row && typeof row.id === 'number' ? row.id : 0;
}

export interface StoredEvent {
  id: number;
  type: string;
  at: number;
  actorUserId: number | null;
  organizationId: number | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

/** The audit trail in the order it was appended, details as the object they encode. */
export async function auditTrail(ts: TestStore): Promise<StoredEvent[]> {
  const rows = await rowsOf(ts, 'auditEvents');
  return rows.map(({ id, type, at, actorUserId, organizationId, ip, details, prevHash, hash }) => ({
    id,
    type,
    at,
    actorUserId,
    organizationId,
    ip,
    details,
    prevHash,
    hash,
  }));
}

/** Appends events to the trail as the application does, chained and keyed, in one transaction. */
export async function appendEvents(ts: TestStore, entries: AuditEntry[], meta: RequestMeta) {
  if (ts.dialect === 'sqlite') {
    ts.db.transaction((tx) => {
      for (const entry of entries) recordAudit(tx, entry, meta);
    });
    return;
  }
  await transaction(ts.db, async (tx) => {
    for (const entry of entries) await appendAudit(tx, ts.auditKey, entry, meta);
  });
}

/**
 * The counters as one per kind and minute: on PostgreSQL each connection counts into a row of
 * its own (`stripe`), which a minute's summary sums; SQLite has one row.
 */
export async function repeatCounters(ts: TestStore) {
  const summed = new Map<string, Record<string, unknown> & { count: number; lastAt: number }>();
  for (const row of await rowsOf(ts, 'auditRepeats')) {
    const {
      stripe: _,
      made: __,
      first: ___,
      ...counter
    } = row as typeof row & { stripe?: number; made?: string; first?: boolean };
    const at = `${counter.key}@${counter.minute}`;
    const seen = summed.get(at);
    if (seen) {
      seen.count += counter.count;
      seen.lastAt = Math.max(seen.lastAt, counter.lastAt);
    } else summed.set(at, { ...counter });
  }
  return [...summed.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
}

/** Whether every event links to the one appended before it. */
export function linked(trail: StoredEvent[]): boolean {
  return trail.every((event, i) => i === 0 || event.prevHash === trail[i - 1]?.hash);
}

/** A customer with a profile in a company, the shape most store tests start from. */
export async function customerWithProfile(
  ts: TestStore,
  options: {
    email: string;
    organization?: number;
    integrationsEnabled?: boolean;
    permissions?: Row<'profiles'>['permissions'];
  },
) {
  const user = await insertRow(ts, 'users', {
    email: options.email,
    name: options.email.split('@')[0] ?? options.email,
    kind: 'customer',
    passwordHash: 'hash-1',
    createdAt: 0,
  });
  const organizationId =
    options.organization ??
    (
      await insertRow(ts, 'organizations', {
        name: `Org of ${options.email}`,
        kind: 'company',
        integrationsEnabled: options.integrationsEnabled ?? false,
        createdAt: 0,
      })
    ).id;
  const profile = await insertRow(ts, 'profiles', {
    userId: user.id,
    organizationId,
    role: 'member',
    permissions: options.permissions ?? ['orders:read'],
    createdAt: 0,
  });
  return { user, profile, organizationId };
}

export async function operator(
  ts: TestStore,
  email: string,
  role: NonNullable<Row<'users'>['operatorRole']>,
) {
  return insertRow(ts, 'users', {
    email,
    name: email.split('@')[0] ?? email,
    kind: 'operator',
    operatorRole: role,
    createdAt: 0,
  });
}

/**
 * `count` live sessions of the person's own, made a minute before `now` and live for an hour,
 * ids `00-live-0000`, … (older than any session minted at `now`), and one more acting as them
 * in an impersonation (`00-acting`, older still): what the cap on live sessions counts, and what
 * it does not.
 */
export async function liveSessionsAtCap(ts: TestStore, userId: number, count: number, now: number) {
  const session = (id: string, impersonationId: string | null) => ({
    id,
    tokenHash: `hash-${id}`,
    userId,
    profileId: null,
    method: impersonationId ? ('impersonation' as const) : ('password' as const),
    createdAt: now - 60_000,
    expiresAt: now + 3_600_000,
    lastSeenAt: now - 60_000,
    impersonationId,
  });
  await insertRows(ts, 'sessions', [
    session('00-acting', 'imp-acting'),
    ...Array.from({ length: count }, (_, i) =>
      session(`00-live-${String(i).padStart(4, '0')}`, null),
    ),
  ]);
}

/**
 * The person's sessions, by what the cap did to them: live ones of their own (not an
 * impersonation's, not an integration's), and those it signed out.
 */
export async function sessionsAfterCap(ts: TestStore, userId: number, now: number) {
  const mine = (await rowsOf(ts, 'sessions')).filter((s) => s.userId === userId);
  return {
    ownLive: mine
      .filter(
        (s) =>
          s.revokedAt === null &&
          s.expiresAt > now &&
          s.impersonationId === null &&
          s.viaCredentialId === null,
      )
      .map((s) => s.id),
    signedOut: mine
      .filter((s) => s.revokedReason === 'session_limit')
      .map((s) => s.id)
      .sort(),
    acting: mine.find((s) => s.id === '00-acting'),
  };
}

/**
 * Customers with a member's profile each in the organization, written in one transaction; the
 * database fills in what it keeps itself (sort names, search).
 */
export async function addMembers(
  ts: TestStore,
  organizationId: number,
  people: { name: string; email: string }[],
) {
  const added = await insertRows(
    ts,
    'users',
    people.map(({ name, email }) => ({ email, name, kind: 'customer' as const, createdAt: 0 })),
  );
  return insertRows(
    ts,
    'profiles',
    added.map((user) => ({
      userId: user.id,
      organizationId,
      role: 'member' as const,
      permissions: ['orders:read' as const],
      createdAt: 0,
    })),
  );
}

/**
 * `count` people named `Member 0000 Clerk` and on, every seventh a Quartermaster instead,
 * mailed at `m0@<domain>` and on: a large organization for tests of pages and search.
 */
export function numberedPeople(count: number, domain: string) {
  return Array.from({ length: count }, (_, i) => ({
    name: `Member ${String(i).padStart(4, '0')} ${i % 7 === 0 ? 'Quartermaster' : 'Clerk'}`,
    email: `m${i}@${domain}`,
  }));
}

/** Follows a list's nextCursor to the end, collecting what each page holds. */
export async function everyPage<P extends { nextCursor: string | null }>(
  read: (cursor?: string) => Promise<P>,
) {
  const pages: P[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await read(cursor);
    pages.push(page);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}
