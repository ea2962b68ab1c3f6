import { asc } from 'drizzle-orm';
import * as pg from './postgres/schema.ts';
import { auditEvents, auditRepeats } from './sqlite/schema/audit-events.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { apiKeys, loginAttempts, loginTokens, oneClickLinks } from './sqlite/schema/login-links.ts';
import { organizations } from './sqlite/schema/organizations.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { sessions } from './sqlite/schema/sessions.ts';
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

/** Every row of a table, in no particular order (look rows up by their id). */
export async function rowsOf<N extends Name>(ts: TestStore, name: N): Promise<Row<N>[]> {
  const [sqliteTable, pgTable] = tables[name];
  if (ts.dialect === 'sqlite') return ts.db.select().from(sqliteTable).all() as Row<N>[];
  return (await ts.db.select().from(pgTable)) as Row<N>[];
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
  const rows =
    ts.dialect === 'sqlite'
      ? ts.db.select().from(auditEvents).orderBy(asc(auditEvents.id)).all()
      : (await ts.db.select().from(pg.auditEvents).orderBy(asc(pg.auditEvents.id))).map((r) => ({
          ...r,
          details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
        }));
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
