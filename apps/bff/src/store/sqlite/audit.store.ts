import type { AuditFilters } from '@onbehalf/contracts/audit';
import { and, asc, desc, eq, gte, lte, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { retentionCutoff } from '../../domain/retention.ts';
import type {
  Audience,
  AuditEventJson,
  AuditEventsRead,
  AuditStore,
} from '../../features/audit/audit.store.ts';
import { auditFilterConditions } from '../audit-filters.ts';
import { prunedEvent } from '../history-retention.ts';
import { recordAudit } from './audit.ts';
import { pruneAuditEvents, verifyAuditChain } from './audit-chain.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { catchUpAuditSearch } from './audit-search.ts';
import type { AuditSearchReader } from './audit-search-reader.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { pruneHistory } from './history-retention.ts';
import { preparedPerHandle } from './prepared.ts';
import { auditEvents } from './schema/audit-events.ts';
import { impersonations } from './schema/impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { users } from './schema/users.ts';
import { ftsQuery } from './search.ts';

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
    const first = firstAtOrAfter(db).get({ at: Date.parse(filters.from) });
    if (!first) bounds.empty = true;
    else bounds.min = first.id;
  }
  if (filters.to) {
    const last = lastAtOrBefore(db).get({ at: Date.parse(filters.to) });
    if (!last) bounds.empty = true;
    else bounds.max = last.id;
  }
  return bounds;
}

const firstAtOrAfter = preparedPerHandle((db: Queryable) =>
  db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(gte(auditEvents.at, sql.placeholder('at')))
    .orderBy(asc(auditEvents.at))
    .limit(1)
    .prepare(),
);

const lastAtOrBefore = preparedPerHandle((db: Queryable) =>
  db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(lte(auditEvents.at, sql.placeholder('at')))
    .orderBy(desc(auditEvents.at))
    .limit(1)
    .prepare(),
);

/**
 * How many matches of a free-text search one step reads, newest first, after which the event
 * loop answers others before the next step. A step costs about what FTS5 spends gathering the
 * matches of a word typed (a prefix query merges every match at each step): at 1,000,000
 * matching events ~30 ms, plus ~1 ms per thousand ids read (bench/HISTORY.md).
 */
export const SEARCH_WINDOW = 10_000;

/**
 * Free text, through the full-text index (SQLite FTS5 over reason, details, type and address,
 * an operator's apart: `auditFtsQuery`), never a scan of the trail, and a window at a time: the
 * ids of up to `size` matches below `before`, newest first. Reading every match into one
 * subquery, as before, blocked the event loop 115-130 ms for a common word at 1,000,000
 * events, whatever the page. On a database file the search worker runs this statement, word
 * for word (audit-search-worker.js).
 */
export function matchWindow(db: Queryable, query: string, before: number, size: number): number[] {
  return db
    .all<{ id: number }>(
      sql`SELECT rowid AS id FROM audit_fts WHERE audit_fts MATCH ${query} AND rowid < ${before}
        ORDER BY rowid DESC LIMIT ${size}`,
    )
    .map((row) => row.id);
}

/**
 * The FTS5 query of a free-text search of the trail, for `audience`: a customer's leaves out
 * the column that holds an operator's address (`operator_ip`, migration 0025), which the team's
 * trail does not show either (`byOperatorHidden`), so a guess of it finds nothing; staff's
 * reads every column. Null when nothing searchable was typed.
 */
export function auditFtsQuery(text: string, audience: Audience): string | null {
  const query = ftsQuery(text, 'last word');
  return query === null || audience === 'staff' ? query : `- operator_ip : (${query})`;
}

/** Only the events of one window of matches. */
function amongIds(ids: number[]): SQL {
  return sql`${auditEvents.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/**
 * The conditions of a page. Free text is not among them: `searchEvents` reads its matches a
 * window at a time and gives each window here as `among`.
 */
export function whereFor(
  db: Queryable,
  filters: Omit<AuditFilters, 'query'>,
  beforeId?: number,
  among?: number[],
): SQL | 'empty' {
  const bounds = idBounds(db, filters);
  if (bounds.empty) return 'empty';
  const conditions: (SQL | undefined)[] = [
    // Always a bound on the key, so even the first page is an index search, not a scan.
    sql`${auditEvents.id} < ${Math.min(beforeId ?? Number.MAX_SAFE_INTEGER, (bounds.max ?? Number.MAX_SAFE_INTEGER - 1) + 1)}`,
    ...auditFilterConditions(auditEvents, filters, bounds.min),
    among ? amongIds(among) : undefined,
  ];
  return and(...conditions) as SQL;
}

/** A party of an event as the API shows it, or null. */
function partyJson(user: typeof actor | typeof subject, audience: Audience) {
  const email =
    audience === 'staff'
      ? sql`${user.email}`
      : sql`CASE WHEN ${user.kind} = 'operator' THEN NULL ELSE ${user.email} END`;
  return sql`CASE WHEN ${user.id} IS NULL THEN NULL
    ELSE json_object('id', ${user.id}, 'name', ${user.name}, 'email', ${email},
      'operatorRole', ${user.operatorRole}) END`;
}

/** The event's address and browser: an operator's are not a customer's to see. */
function byOperatorHidden(
  column: typeof auditEvents.ip | typeof auditEvents.userAgent,
  audience: Audience,
) {
  return audience === 'staff'
    ? sql`${column}`
    : sql`CASE WHEN ${auditEvents.actorKind} = 'operator' THEN NULL ELSE ${column} END`;
}

/**
 * One event exactly as the API returns it (the contract's `auditEvent`), built by SQLite. A page
 * is up to 500 events; reading two dozen columns into JavaScript values, building objects and
 * serialising them again cost more than the query (docs/decisions/009-performance.md).
 */
const eventJsonOf = (audience: Audience) => sql<string>`json_object(
  'id', ${auditEvents.id},
  'at', strftime('%Y-%m-%dT%H:%M:%fZ', ${auditEvents.at} / 1000.0, 'unixepoch'),
  'type', ${auditEvents.type},
  'actor', ${partyJson(actor, audience)},
  'actorKind', ${auditEvents.actorKind},
  'subject', ${partyJson(subject, audience)},
  'organization', CASE WHEN ${organizations.id} IS NULL THEN NULL
    ELSE json_object('id', ${organizations.id}, 'name', ${organizations.name}) END,
  'sessionId', ${auditEvents.sessionId},
  'impersonationId', ${auditEvents.impersonationId},
  'ip', ${byOperatorHidden(auditEvents.ip, audience)},
  'userAgent', ${byOperatorHidden(auditEvents.userAgent, audience)},
  'requestId', ${auditEvents.requestId},
  'reason', ${auditEvents.reason},
  'details', ${shownDetails}
)`;

/**
 * The stored details as JSON; text the server did not write (a row edited in the file) is
 * shown as `{ "unreadable": text }` rather than failing the whole page (SQLite's json() throws).
 */
const shownDetails = sql`CASE WHEN ${auditEvents.details} IS NULL THEN NULL
  WHEN json_valid(${auditEvents.details}) THEN json(${auditEvents.details})
  ELSE json_object('unreadable', ${auditEvents.details}) END`;

/** Built once per audience, not per request. */
const eventJson = { staff: eventJsonOf('staff'), customer: eventJsonOf('customer') };

/** Events, newest first, each as its id and its JSON. */
function eventsAsJson(db: Queryable, audience: Audience) {
  return db
    .select({ id: auditEvents.id, json: eventJson[audience] })
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorUserId))
    .leftJoin(subject, eq(subject.id, auditEvents.subjectUserId))
    .leftJoin(organizations, eq(organizations.id, auditEvents.organizationId));
}

/** A filtered page, newest first; `.toSQL()` of it is what the query-plan test explains. */
export function pageQuery(db: Queryable, where: SQL, limit: number, audience: Audience = 'staff') {
  return eventsAsJson(db, audience).where(where).orderBy(desc(auditEvents.id)).limit(limit);
}

function selectPage(
  db: Queryable,
  where: SQL,
  limit: number,
  audience: Audience,
): AuditEventJson[] {
  return pageQuery(db, where, limit, audience).all();
}

const latestPage = preparedPerHandle((db: Queryable) =>
  eventsAsJson(db, 'staff')
    .where(sql`${auditEvents.id} < ${sql.placeholder('before')}`)
    .orderBy(desc(auditEvents.id))
    .limit(sql.placeholder('limit'))
    .prepare(),
);

/** The unfiltered trail, the page people open most: one prepared keyset query. */
function selectLatestPage(
  db: Queryable,
  beforeId: number | undefined,
  limit: number,
): AuditEventJson[] {
  return latestPage(db).all({ before: beforeId ?? Number.MAX_SAFE_INTEGER, limit });
}

const target = alias(users, 'target');

function findImpersonation(db: Queryable, id: string) {
  return db
    .select({
      row: impersonations,
      actor: {
        id: actor.id,
        name: actor.name,
        email: actor.email,
        kind: actor.kind,
        operatorRole: actor.operatorRole,
      },
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

/**
 * How many windows of matches one read of a search examines at most (SEARCH_WINDOW each): a
 * word common elsewhere but rare where it is searched (one organization's trail) read every
 * window of its matches in one request, 30 ms each at a million matches. Past this many, the
 * page answers what it found and where it stopped, and the next page goes on from there.
 */
export const SEARCH_STEPS = 8;

/**
 * A page of a free-text search: the other filters applied to one window of matches at a time,
 * newest first, until the page is full, the matches end or SEARCH_STEPS windows are read, the
 * event loop free between windows.
 */
async function searchEvents(
  db: Queryable,
  match: AuditSearchReader['match'],
  filters: AuditFilters,
  before: number | null,
  limit: number,
  audience: Audience,
): Promise<AuditEventsRead> {
  const query = filters.query ? auditFtsQuery(filters.query, audience) : null;
  // Nothing searchable (only spaces): matches nothing rather than everything.
  if (query === null) return nothingRead;
  const bounds = idBounds(db, filters);
  if (bounds.empty) return nothingRead;
  const first = Math.min(
    before ?? Number.MAX_SAFE_INTEGER,
    (bounds.max ?? Number.MAX_SAFE_INTEGER - 1) + 1,
  );
  return pageInSteps(limit, first, SEARCH_STEPS, async (below, wanted) => {
    const ids = await match(query, below, SEARCH_WINDOW);
    const oldest = ids.at(-1);
    if (oldest === undefined) return { rows: [], next: null };
    const where = whereFor(db, filters, below, ids);
    if (where === 'empty') return { rows: [], next: null };
    const past = bounds.min !== undefined && oldest <= bounds.min;
    return {
      rows: selectPage(db, where, wanted, audience),
      next: ids.length < SEARCH_WINDOW || past ? null : oldest,
    };
  });
}

/** A read that found nothing and has nothing left to look at. */
const nothingRead: AuditEventsRead = { events: [], resumeBelow: null };

/** What one step of a page read, and where the next starts (null: nowhere). */
type Step = { rows: AuditEventJson[]; next: number | null };

/**
 * Fills a page newest first, a step at a time, the event loop free between steps, until the
 * page is full, a step says nothing older is left, or `maxSteps` steps are taken (then the read
 * says where it stopped). `step` reads up to `wanted` events below an id, and where the next
 * step starts (null: nowhere).
 */
async function pageInSteps(
  limit: number,
  first: number,
  maxSteps: number,
  step: (below: number, wanted: number) => Step | Promise<Step>,
): Promise<AuditEventsRead> {
  const events: AuditEventJson[] = [];
  let below = first;
  for (let taken = 1; ; taken++) {
    const { rows, next } = await step(below, limit - events.length);
    events.push(...rows);
    if (events.length >= limit || next === null) return { events, resumeBelow: null };
    if (taken >= maxSteps) return { events, resumeBelow: next };
    below = next;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * How many ids one step of a page filtered on two or more columns covers, newest first, after
 * which the event loop answers others before the next step. SQLite walks one index, say the
 * organization's, and tests the other filters on each of its events: where they seldom hold
 * (a rare type in a large organization), one read of the page walked every event of the
 * organization: 105 ms of SQLite at 300,000 events, 140-220 ms of the event loop for the
 * request. A step reads at most this many index entries: 8 ms at most on the same trail.
 */
export const FILTER_WINDOW = 20_000;

/** Whether a page filters on more than one column, so that no single index finds its rows. */
function filtersSeveralColumns(filters: AuditFilters): boolean {
  const columns = [
    filters.type?.length ? filters.type : undefined,
    filters.actorUserId,
    filters.subjectUserId,
    filters.organizationId,
    filters.impersonationId,
  ];
  return columns.filter((value) => value !== undefined).length > 1;
}

/** The oldest and newest ids of the trail: SQLite reads each end of the primary key. */
const idRange = preparedPerHandle((db: Queryable) =>
  db
    .select({
      oldest: sql<number | null>`min(${auditEvents.id})`,
      newest: sql<number | null>`max(${auditEvents.id})`,
    })
    .from(auditEvents)
    .prepare(),
);

/**
 * A page filtered on several columns, a window of ids at a time, newest first, until the page
 * is full or the trail ends, the event loop free between windows: a combination that seldom
 * holds takes longer, never blocks longer.
 */
async function windowedEvents(
  db: Queryable,
  filters: AuditFilters,
  before: number | null,
  limit: number,
  audience: Audience,
): Promise<AuditEventsRead> {
  const bounds = idBounds(db, filters);
  const { oldest, newest } = idRange(db).get() ?? { oldest: null, newest: null };
  if (bounds.empty || newest === null || oldest === null) return nothingRead;
  const floor = Math.max(bounds.min ?? oldest, oldest);
  const first = Math.min(before ?? newest + 1, (bounds.max ?? newest) + 1, newest + 1);
  if (first <= floor) return nothingRead;
  // Windows of ids, not of matches: a small organization's window is cheap, so no step bound.
  return pageInSteps(limit, first, Number.POSITIVE_INFINITY, (below, wanted) => {
    const from = Math.max(below - FILTER_WINDOW, floor);
    const where = whereFor(db, filters, below);
    if (where === 'empty') return { rows: [], next: null };
    return {
      rows: selectPage(db, and(where, gte(auditEvents.id, from)) as SQL, wanted, audience),
      next: from > floor ? from : null,
    };
  });
}

/** A page as the port answers it: the unfiltered staff trail prepared, the rest by filter. */
async function selectEvents(
  db: Queryable,
  filters: AuditFilters,
  before: number | null,
  limit: number,
  audience: Audience,
): Promise<AuditEventsRead> {
  const unfiltered = Object.values(filters).every(
    (v) => v === undefined || (Array.isArray(v) && v.length === 0),
  );
  if (unfiltered && audience === 'staff') {
    return { events: selectLatestPage(db, before ?? undefined, limit), resumeBelow: null };
  }
  if (filtersSeveralColumns(filters)) {
    return windowedEvents(db, filters, before, limit, audience);
  }
  const where = whereFor(db, filters, before ?? undefined);
  if (where === 'empty') return nothingRead;
  return { events: selectPage(db, where, limit, audience), resumeBelow: null };
}

export function sqliteAudit({ db, searchReader }: SqliteContext): AuditStore {
  // The matches on the search worker's connection when there is one (ADR 035), else here.
  const match: AuditSearchReader['match'] = searchReader
    ? (query, before, size) => searchReader.match(query, before, size)
    : async (query, before, size) => matchWindow(db, query, before, size);
  return {
    async page({ filters, before, limit, audience }) {
      if (!filters.query) return selectEvents(db, filters, before, limit, audience);
      // Here, on the connection that writes: the worker then reads the index committed.
      await catchUpAuditSearch(db);
      return searchEvents(db, match, filters, before, limit, audience);
    },

    async impersonation(id) {
      return findImpersonation(db, id) ?? null;
    },

    async recordRead({ audit, rule, meta }) {
      recordRepeatable(db, audit, rule, meta);
    },

    verify({ key, anchored, onBreak }) {
      return verifyAuditChain(db, key, anchored, { onBreak });
    },

    async prune({ key, retentionDays, now, meta }) {
      const events = await pruneAuditEvents(db, key, retentionDays, now);
      const history = await pruneHistory(db, retentionCutoff(now, retentionDays), now);
      const result = { ...events, ...history };
      const entry = prunedEvent(result, retentionDays, now);
      if (entry) db.transaction((tx) => recordAudit(tx, entry, meta));
      return result;
    },
  };
}
