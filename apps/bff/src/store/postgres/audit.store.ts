import type { AuditFilters } from '@onbehalf/contracts/audit';
import { and, asc, desc, eq, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { retentionCutoff } from '../../domain/retention.ts';
import type {
  Audience,
  AuditEventJson,
  AuditEventsRead,
  AuditStore,
} from '../../features/audit/audit.store.ts';
import { toIso } from '../../lib/clock.ts';
import { auditFilterConditions } from '../audit-filters.ts';
import { prunedEvent } from '../history-retention.ts';
import { appendAudit } from './audit.ts';
import { pruneAuditEvents, verifyAuditChain } from './audit-chain.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { type PgDb, type PgQueryable, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { pruneHistory } from './history-retention.ts';
import { isIntegerId } from './integer-id.ts';
import { literalLimit, preparedPages } from './prepared.ts';
import { auditEvents, impersonations, organizations, users } from './schema.ts';
import { matchingIds, tsQuery, typedWords } from './search.ts';

const actor = alias(users, 'actor');
const subject = alias(users, 'subject');
const target = alias(users, 'target');

/**
 * Time bounds become id bounds, as on SQLite: ids grow with time, so a range on the primary
 * key replaces a range on `at` that would sort every match.
 */
async function idBounds(
  db: PgQueryable,
  filters: AuditFilters,
): Promise<{ min?: number; max?: number; empty?: true }> {
  const bounds: { min?: number; max?: number; empty?: true } = {};
  if (filters.from) {
    const [first] = await db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(gte(auditEvents.at, Date.parse(filters.from)))
      .orderBy(asc(auditEvents.at))
      .limit(1);
    if (!first) bounds.empty = true;
    else bounds.min = first.id;
  }
  if (filters.to) {
    const [last] = await db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(lte(auditEvents.at, Date.parse(filters.to)))
      .orderBy(desc(auditEvents.at))
      .limit(1);
    if (!last) bounds.empty = true;
    else bounds.max = last.id;
  }
  return bounds;
}

/**
 * An event's words, stored with it (`audit_events.words`, migrations 0014, 0022 and 0024: those
 * of its reason, details, type and address, read as FTS5 reads them, `search.ts`: `10.0.0.1` is
 * `10`, `0`, `0`, `1`; a word typed is read as FTS5 reads it too, `tsQuery`) and indexed by
 * `audit_search_idx`. Not in the drizzle schema, so that no read of events carries them.
 */
const auditDocument = sql`${auditEvents}.${sql.identifier('words')}`;

/**
 * Whether words at hand (a walked event's) hold every word of tsquery `asked` (`searched`), the
 * query the `audit_search_idx` index answers (`matchingIds`), written so that no index can answer it
 * (`ts_match_vq` is the function behind `@@`; an index serves operators only): for the walk
 * newest first when many events match, which tests each event on its stored words (about a
 * microsecond) and stops at its page's end.
 */
function wordsTested(words: SQL, asked: SQL): SQL {
  return sql`ts_match_vq(${words}, ${asked})`;
}

/**
 * The tsquery of a search (made by `tsQuery`) as each reader may find events by it. The words
 * hold an operator's address apart, each word of it marked (migration 0024), where no word typed
 * can name it: a customer's query, the words as typed, finds an operator's event by its other
 * words only, as the team's trail does not show the address either (`shown`), so a guess of it
 * finds nothing; staff's asks for each word as typed or as an operator's address
 * (`audit_with_operator_addresses`). The full-text index answers either alone.
 */
function searched(query: string, audience: Audience): SQL {
  const typed = typedWords(query);
  return audience === 'staff' ? sql`audit_with_operator_addresses(${typed})` : typed;
}

/**
 * Up to this many events matching a free-text search, a page is read from the matches, looked
 * up by id; above it, newest first testing each event, which finds a page soon when many match.
 * Left to PostgreSQL, a team's search that matched nothing walked its whole trail testing every
 * event: 2.8 s of the database at 300,000 events.
 */
export const FEW_EVENTS = 1000;

/**
 * What the free text narrows a page to: the few events it matches, or its query when many
 * match (`walk`: tested on each event the other filters hold, newest first), or 'empty' when none
 * does. Asked of the `audit_search_idx` index only (`matchingIds`), up to FEW_EVENTS + 1: about a
 * millisecond for a word few events hold, 40 ms for one half the trail holds.
 */
async function narrowByText(
  db: PgDb,
  text: string,
  audience: Audience,
): Promise<{ condition: SQL; walk: false } | { asked: SQL; walk: true } | 'empty'> {
  const query = tsQuery(text, 'last word');
  if (query === null) return 'empty';
  const asked = searched(query, audience);
  const matches = await db
    .select({ id: sql<number>`id`.mapWith(Number) })
    .from(sql`${matchingIds('audit_events', asked, FEW_EVENTS + 1)} AS matching`);
  if (matches.length === 0) return 'empty';
  if (matches.length > FEW_EVENTS) return { asked, walk: true };
  const ids = matches.map((match) => match.id);
  return { condition: inArray(auditEvents.id, ids), walk: false };
}

/**
 * The filters as conditions: `others` for every filter but the free text and the cursor,
 * `below` for the cursor and the time bounds, `text` for the free text (and whether it walks);
 * or 'empty' when none can match.
 */
async function whereFor(
  db: PgQueryable,
  filters: AuditFilters,
  beforeId: number | null,
  audience: Audience,
): Promise<
  | {
      others: SQL;
      below: number;
      text?: { condition: SQL; walk: false } | { asked: SQL; walk: true };
    }
  | 'empty'
> {
  // People and organizations are integer columns: an id beyond them matches nothing, as on SQLite.
  for (const id of [filters.actorUserId, filters.subjectUserId, filters.organizationId]) {
    if (id !== undefined && !isIntegerId(id)) return 'empty';
  }
  const bounds = await idBounds(db, filters);
  if (bounds.empty) return 'empty';
  const text = filters.query ? await narrowByText(db, filters.query, audience) : undefined;
  if (text === 'empty') return 'empty';
  const others = and(...auditFilterConditions(auditEvents, filters, bounds.min)) ?? sql`true`;
  const below = Math.min(
    beforeId ?? Number.MAX_SAFE_INTEGER,
    (bounds.max ?? Number.MAX_SAFE_INTEGER - 1) + 1,
  );
  return { others, below, text };
}

/**
 * How many of the events the other filters hold one read of a search walks at most, newest
 * first, testing each for the words: a word that many events hold elsewhere but few where it
 * is searched (one organization's trail) walked that whole trail in one statement (computing
 * each event's words then, 8-10 µs each: seconds of the database at a million events; they are
 * stored now, migration 0014). Past this many, the page answers what it found and where it
 * stopped; the next page goes on from there.
 */
export const WALK_EVENTS = 20_000;

/**
 * What a page shows of an event, as one JSON array per event (`json_build_array`, in
 * `ShownRow`'s order): node-postgres parses it with the native `JSON.parse`, where two dozen
 * columns were each converted, then mapped by drizzle into nested objects, at more cost to the
 * server than building the page. `details` is the stored text, parsed here (`shownDetails`):
 * a cast in SQL would fail the whole page on one row edited into something not JSON.
 */
const shownRow = sql<ShownRow>`json_build_array(
  json_build_array(${auditEvents.at}, ${auditEvents.type}, ${auditEvents.actorKind},
    ${auditEvents.sessionId}, ${auditEvents.impersonationId}, ${auditEvents.ip},
    ${auditEvents.userAgent}, ${auditEvents.requestId}, ${auditEvents.reason},
    ${auditEvents.details}),
  ${partyColumns(actor)}, ${partyColumns(subject)},
  json_build_array(${organizations.id}, ${organizations.name}))`;

/** A party's id, name, email, kind and operator role; every one null when there is none. */
function partyColumns(user: typeof actor | typeof subject) {
  return sql`json_build_array(${user.id}, ${user.name}, ${user.email}, ${user.kind}, ${user.operatorRole})`;
}

type Text = string | null;
type PartyColumns = [id: number | null, name: Text, email: Text, kind: Text, operatorRole: Text];
type ShownRow = [
  event: [
    at: number,
    type: string,
    actorKind: Text,
    sessionId: Text,
    impersonationId: Text,
    ip: Text,
    userAgent: Text,
    requestId: Text,
    reason: Text,
    details: Text,
  ],
  actor: PartyColumns,
  subject: PartyColumns,
  organization: [id: number | null, name: Text],
];

/** A party's columns, for a row that shows one. */
const party = (user: typeof actor) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  kind: user.kind,
  operatorRole: user.operatorRole,
});

/** A party as the API shows it: an operator's email is not a customer's to see. */
function partyJson([id, name, email, kind, operatorRole]: PartyColumns, audience: Audience) {
  if (id === null) return null;
  const hidden = audience === 'customer' && kind === 'operator';
  return { id, name, email: hidden ? null : email, operatorRole };
}

function eventsWithParties(db: PgQueryable) {
  return db
    .select({ id: auditEvents.id, row: shownRow })
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorUserId))
    .leftJoin(subject, eq(subject.id, auditEvents.subjectUserId))
    .leftJoin(organizations, eq(organizations.id, auditEvents.organizationId));
}

/**
 * The two pages asked for most, prepared once per pool and page size: the whole trail
 * (Admin › Audit) and one organization's (a team's own trail), each newest first from a cursor.
 * Any other filter, or a larger batch (an export's), is built for its call.
 */
const wholeTrailPage = preparedPages((db, rows) =>
  eventsWithParties(db)
    .where(lt(auditEvents.id, sql.placeholder('before')))
    .orderBy(desc(auditEvents.id))
    .limit(literalLimit(rows))
    .prepare(`audit_page_whole_trail_${rows}`),
);
const organizationPage = preparedPages((db, rows) =>
  eventsWithParties(db)
    .where(
      and(
        lt(auditEvents.id, sql.placeholder('before')),
        eq(auditEvents.organizationId, sql.placeholder('organizationId')),
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(literalLimit(rows))
    .prepare(`audit_page_organization_${rows}`),
);

/** The page these filters ask for, from a prepared statement when one serves them. */
function preparedPage(db: PgDb, filters: AuditFilters, before: number | null, limit: number) {
  const { organizationId, ...others } = filters;
  if (Object.values(others).some((value) => value !== undefined)) return undefined;
  const from = { before: before ?? Number.MAX_SAFE_INTEGER };
  if (organizationId === undefined) return wholeTrailPage(db, limit)?.(from);
  if (!isIntegerId(organizationId)) return undefined;
  return organizationPage(db, limit)?.({ ...from, organizationId });
}

/**
 * Up to `limit` events, newest first, each serialised as SQLite's `json_object` serialises it
 * (store/sqlite/audit.store.ts): the same keys in the same order, `details` as the JSON it is.
 */
async function selectEvents(
  db: PgDb,
  filters: AuditFilters,
  before: number | null,
  limit: number,
  audience: Audience,
): Promise<AuditEventsRead> {
  const prepared = await preparedPage(db, filters, before, limit);
  if (prepared !== undefined) return { events: shown(prepared, audience), resumeBelow: null };
  const where = await whereFor(db, filters, before, audience);
  if (where === 'empty') return { events: [], resumeBelow: null };
  const { others, below, text } = where;
  if (!text?.walk) {
    const rows = await eventsWithParties(db)
      .where(and(others, lt(auditEvents.id, below), text?.condition))
      .orderBy(desc(auditEvents.id))
      .limit(limit);
    return { events: shown(rows, audience), resumeBelow: null };
  }
  // The newest WALK_EVENTS events the other filters hold, in order, with their words: the walk
  // tests them until the page is full, and stops at their end at the latest. Testing inside the
  // walk, not on the events it is joined to, leaves PostgreSQL no plan that tests the whole
  // trail (read in order, or whole into a hash) for the events the walk holds.
  const walked = db
    .select({ id: auditEvents.id, words: sql`${auditDocument}`.as('words') })
    .from(auditEvents)
    .where(and(others, lt(auditEvents.id, below)))
    .orderBy(desc(auditEvents.id))
    .limit(literalLimit(WALK_EVENTS))
    .as('walked');
  const matched = db
    .select({ id: walked.id })
    .from(walked)
    .where(wordsTested(sql`${walked.words}`, text.asked))
    .orderBy(desc(walked.id))
    .limit(limit)
    .as('matched');
  const rows = await eventsWithParties(db)
    .innerJoin(matched, eq(matched.id, auditEvents.id))
    .orderBy(desc(auditEvents.id))
    .limit(limit);
  if (rows.length >= limit) return { events: shown(rows, audience), resumeBelow: null };
  // Not full: the walk read all it may. The last event it read, and one older if any is left.
  const [edge, older] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(others, lt(auditEvents.id, below)))
    .orderBy(desc(auditEvents.id))
    .offset(WALK_EVENTS - 1)
    .limit(2);
  return { events: shown(rows, audience), resumeBelow: edge && older ? edge.id : null };
}

/**
 * The stored details as the API shows them: the JSON the server wrote, or, for text it did not
 * write (a row edited in the database), `{ unreadable: text }`, as on SQLite.
 */
function shownDetails(text: Text): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { unreadable: text };
  }
}

/** Rows as the API shows them to `audience`. */
function shown(rows: { id: number; row: ShownRow }[], audience: Audience): AuditEventJson[] {
  return rows.map(({ id, row }) => {
    const [event, actorColumns, subjectColumns, [organizationId, organizationName]] = row;
    const [
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
    ] = event;
    const byOperatorHidden = audience === 'customer' && actorKind === 'operator';
    return {
      id,
      json: JSON.stringify({
        id,
        at: toIso(at),
        type,
        actor: partyJson(actorColumns, audience),
        actorKind,
        subject: partyJson(subjectColumns, audience),
        organization:
          organizationId === null ? null : { id: organizationId, name: organizationName },
        sessionId,
        impersonationId,
        ip: byOperatorHidden ? null : ip,
        userAgent: byOperatorHidden ? null : userAgent,
        requestId,
        reason,
        details: shownDetails(details),
      }),
    };
  });
}

export function postgresAudit({ db, auditKey }: PostgresContext): AuditStore {
  return {
    page({ filters, before, limit, audience }) {
      return selectEvents(db, filters, before, limit, audience);
    },

    async impersonation(id) {
      const [found] = await db
        .select({
          row: impersonations,
          actor: party(actor),
          target: { id: target.id, name: target.name, email: target.email },
          organization: { id: organizations.id, name: organizations.name },
        })
        .from(impersonations)
        .innerJoin(actor, eq(actor.id, impersonations.actorUserId))
        .innerJoin(target, eq(target.id, impersonations.targetUserId))
        .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
        .where(eq(impersonations.id, id));
      return found ?? null;
    },

    async recordRead({ audit, rule, meta }) {
      await recordRepeatable(db, auditKey, audit, rule, meta);
    },

    verify({ key, anchored, onBreak }) {
      return verifyAuditChain(db, key, anchored, { onBreak });
    },

    async prune({ key, retentionDays, now, meta }) {
      const events = await pruneAuditEvents(db, key, retentionDays, now);
      const history = await pruneHistory(db, auditKey, retentionCutoff(now, retentionDays));
      const result = { ...events, ...history };
      const entry = prunedEvent(result, retentionDays, now);
      if (entry) await transaction(db, (tx) => appendAudit(tx, auditKey, entry, meta));
      return result;
    },
  };
}
