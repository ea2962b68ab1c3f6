import type { AuditEventType, AuditFilters } from '@onbehalf/contracts/audit';
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../../db/client.ts';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { impersonations } from '../../db/schema/impersonations.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { users } from '../../db/schema/users.ts';
import { preparedPerHandle } from '../../lib/prepared.ts';
import { containsAny } from '../../lib/search.ts';

const actor = alias(users, 'actor');
const subject = alias(users, 'subject');

/**
 * Time bounds become id bounds: ids grow with time, so a range on the primary key (one index
 * lookup per bound) replaces a range on `at` that would force a sort of every match.
 */
function idBounds(
  db: Queryable,
  filters: AuditFilters,
): { min?: number; max?: number; empty?: true } {
  const bounds: { min?: number; max?: number; empty?: true } = {};
  if (filters.from) {
    const first = db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(gte(auditEvents.at, Date.parse(filters.from)))
      .orderBy(asc(auditEvents.at))
      .limit(1)
      .get();
    if (!first) bounds.empty = true;
    else bounds.min = first.id;
  }
  if (filters.to) {
    const last = db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(lte(auditEvents.at, Date.parse(filters.to)))
      .orderBy(desc(auditEvents.at))
      .limit(1)
      .get();
    if (!last) bounds.empty = true;
    else bounds.max = last.id;
  }
  return bounds;
}

export function whereFor(db: Queryable, filters: AuditFilters, beforeId?: number): SQL | 'empty' {
  const bounds = idBounds(db, filters);
  if (bounds.empty) return 'empty';
  const conditions: (SQL | undefined)[] = [
    // Always a bound on the key, so even the first page is an index search, not a scan.
    sql`${auditEvents.id} < ${Math.min(beforeId ?? Number.MAX_SAFE_INTEGER, (bounds.max ?? Number.MAX_SAFE_INTEGER - 1) + 1)}`,
    bounds.min !== undefined ? gte(auditEvents.id, bounds.min) : undefined,
    filters.from ? gte(auditEvents.at, Date.parse(filters.from)) : undefined,
    filters.to ? lte(auditEvents.at, Date.parse(filters.to)) : undefined,
    filters.type?.length
      ? filters.type.length === 1
        ? eq(auditEvents.type, filters.type[0] as NonNullable<AuditFilters['type']>[number])
        : inArray(auditEvents.type, filters.type)
      : undefined,
    filters.actorUserId ? eq(auditEvents.actorUserId, filters.actorUserId) : undefined,
    filters.subjectUserId ? eq(auditEvents.subjectUserId, filters.subjectUserId) : undefined,
    filters.organizationId ? eq(auditEvents.organizationId, filters.organizationId) : undefined,
    filters.impersonationId ? eq(auditEvents.impersonationId, filters.impersonationId) : undefined,
    filters.q
      ? containsAny(
          filters.q,
          auditEvents.reason,
          auditEvents.details,
          auditEvents.type,
          auditEvents.ip,
        )
      : undefined,
  ];
  return and(...conditions) as SQL;
}

/**
 * A page's columns, flat and in the order `toRow` reads them. A page is up to 500 events;
 * drizzle's per-column mapping into nested objects cost more than running the query
 * (docs/decisions/009-performance.md), so the rows come back as arrays.
 */
const pageFields = {
  id: auditEvents.id,
  at: auditEvents.at,
  type: auditEvents.type,
  actorKind: auditEvents.actorKind,
  sessionId: auditEvents.sessionId,
  impersonationId: auditEvents.impersonationId,
  ip: auditEvents.ip,
  userAgent: auditEvents.userAgent,
  requestId: auditEvents.requestId,
  reason: auditEvents.reason,
  details: auditEvents.details,
  actorId: actor.id,
  actorName: actor.name,
  actorEmail: actor.email,
  subjectId: subject.id,
  subjectName: subject.name,
  subjectEmail: subject.email,
  organizationId: organizations.id,
  organizationName: organizations.name,
};

type Party = { id: number; name: string; email: string } | null;

export interface AuditRow {
  id: number;
  at: number;
  type: AuditEventType;
  actorKind: string | null;
  sessionId: string | null;
  impersonationId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  reason: string | null;
  details: Record<string, unknown> | null;
  actor: Party;
  subject: Party;
  organization: { id: number; name: string } | null;
}

type PageValues = [
  number,
  number,
  AuditEventType,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  string,
  string,
  number | null,
  string,
  string,
  number | null,
  string,
];

export function toRow(values: unknown[]): AuditRow {
  const [
    id,
    at,
    type,
    actorKind,
    sessionId,
    impersonationId,
    ip,
    userAgent,
    requestId,
    reason,
    details,
    actorId,
    actorName,
    actorEmail,
    subjectId,
    subjectName,
    subjectEmail,
    organizationId,
    organizationName,
  ] = values as PageValues;
  return {
    id,
    at,
    type,
    actorKind,
    sessionId,
    impersonationId,
    ip,
    userAgent,
    requestId,
    reason,
    details: details === null ? null : JSON.parse(details),
    actor: actorId === null ? null : { id: actorId, name: actorName, email: actorEmail },
    subject: subjectId === null ? null : { id: subjectId, name: subjectName, email: subjectEmail },
    organization: organizationId === null ? null : { id: organizationId, name: organizationName },
  };
}

/** Events with the names of the people and the organization they concern. */
export function eventsWithNames(db: Queryable) {
  return db
    .select(pageFields)
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorUserId))
    .leftJoin(subject, eq(subject.id, auditEvents.subjectUserId))
    .leftJoin(organizations, eq(organizations.id, auditEvents.organizationId));
}

export function selectPage(db: Queryable, where: SQL, limit: number): AuditRow[] {
  return eventsWithNames(db)
    .where(where)
    .orderBy(desc(auditEvents.id))
    .limit(limit)
    .values()
    .map(toRow);
}

const latestPage = preparedPerHandle((db: Queryable) =>
  eventsWithNames(db)
    .where(sql`${auditEvents.id} < ${sql.placeholder('before')}`)
    .orderBy(desc(auditEvents.id))
    .limit(sql.placeholder('limit'))
    .prepare(),
);

/** The unfiltered trail, the page people open most: one prepared keyset query. */
export function selectLatestPage(
  db: Queryable,
  beforeId: number | undefined,
  limit: number,
): AuditRow[] {
  return latestPage(db)
    .values({ before: beforeId ?? Number.MAX_SAFE_INTEGER, limit })
    .map(toRow);
}

/** The plain query, for EXPLAIN QUERY PLAN in tests. */
export function pageSql(db: Queryable, where: SQL, limit: number) {
  return db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(where)
    .orderBy(desc(auditEvents.id))
    .limit(limit)
    .toSQL();
}

const target = alias(users, 'target');

export function findImpersonation(db: Queryable, id: string) {
  return db
    .select({
      row: impersonations,
      actor: { id: actor.id, name: actor.name, email: actor.email },
      target: { id: target.id, name: target.name, email: target.email },
      organization: { id: organizations.id, name: organizations.name },
    })
    .from(impersonations)
    .innerJoin(actor, eq(actor.id, impersonations.actorUserId))
    .innerJoin(target, eq(target.id, impersonations.targetUserId))
    .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
    .where(eq(impersonations.id, id))
    .get();
}
