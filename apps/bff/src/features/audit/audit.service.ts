import type {
  AuditEvent,
  AuditFilters,
  AuditPage,
  AuditVerification,
  ImpersonationReport,
} from '@onbehalf/contracts/audit';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { AtOnce, OneAtATime } from '../../lib/at-once.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { Audience } from './audit.store.ts';

/** One page, newest first, as the JSON the API sends: the events arrive already serialised. */
export interface AuditPageJson {
  /** Each event's JSON text, in the shape of the contract's `auditEvent`. */
  events: string[];
  nextCursor: string | null;
}

/**
 * Reading the trail is itself audited (SPEC §8b), repeats counted per reader and minute:
 * who looked, at what, and through which door.
 */
export async function recordAuditRead(
  deps: AppDeps,
  auth: AuthContext,
  type: 'audit.read' | 'audit.exported',
  scope: 'sys' | 'team' | 'verify' | 'report',
  details: Record<string, unknown>,
  meta: RequestMeta,
): Promise<void> {
  await deps.store.audit.recordRead({
    audit: {
      type,
      at: deps.clock.now(),
      ...auditParty(auth),
      organizationId: scope === 'team' ? (auth.profile?.organizationId ?? null) : null,
      details: { scope, ...details },
    },
    rule: scope,
    meta,
  });
}

/** Exports running at once from one requester (an organization's team, or one operator). */
export const EXPORTS_PER_REQUESTER = 1;
/** Exports running at once in one process, whoever asked. */
export const EXPORTS_AT_ONCE = 4;

/**
 * The long reads of the trail running in this process (docs/decisions/025-long-reads-take-turns.md):
 * kept per store, so that two apps in one process (as in tests) count apart.
 */
const longReadsByStore = new WeakMap<
  object,
  { exports: AtOnce; verification: OneAtATime<AuditVerification> }
>();

function longReads(deps: AppDeps) {
  let reads = longReadsByStore.get(deps.store);
  if (reads === undefined) {
    reads = {
      exports: new AtOnce(EXPORTS_PER_REQUESTER, EXPORTS_AT_ONCE),
      verification: new OneAtATime(),
    };
    longReadsByStore.set(deps.store, reads);
  }
  return reads;
}

/**
 * An export's turn for `requester`, released by calling what it returns; refused (429
 * `export_busy`) while that requester's last export still runs, or while the process runs as
 * many as it takes. An export streams for seconds at 1,000,000 events: a few at once share the
 * event loop with everyone else; dozens would take all of it.
 */
export function takeExportTurn(deps: AppDeps, requester: string): () => void {
  const release = longReads(deps).exports.tryStart(requester);
  if (release === null) throw new AppError('export_busy', { retryAfterSeconds: 10 });
  return release;
}

/**
 * The chain recomputed with the server's key, its head held to the one kept outside. One walk
 * at a time per process: whoever asks during a walk gets the next one, started when it ends
 * and shared (so never an answer older than the question, and never a pile of walks each
 * holding a connection).
 */
export function verifyAuditTrail(deps: AppDeps): Promise<AuditVerification> {
  return longReads(deps).verification.run(() =>
    deps.store.audit.verify({
      key: deps.secret.auditKey,
      anchored: deps.auditAnchor.read(),
    }),
  );
}

/** The cursor is the last id seen, so events added meanwhile never shift a page. */
export async function listAuditEventsJson(
  deps: AppDeps,
  filters: AuditFilters,
  cursor: string | undefined,
  limit: number,
  audience: Audience = 'staff',
): Promise<AuditPageJson> {
  const { events: rows, resumeBelow } = await deps.store.audit.page({
    filters,
    before: cursor ? Number(cursor) : null,
    limit: limit + 1,
    audience,
  });
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  // A search that spent its budget goes on below where it stopped, even from an empty page.
  const next = rows.length > limit ? (last?.id ?? null) : resumeBelow;
  return { events: page.map((row) => row.json), nextCursor: next === null ? null : String(next) };
}

/** A list response's body, the contract's `auditPage`, from events already serialised. */
export function auditPageBody(page: AuditPageJson): string {
  return `{"events":[${page.events.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}

/** The same page as objects, for the CSV export and the impersonation report. */
export async function listAuditEvents(
  deps: AppDeps,
  filters: AuditFilters,
  cursor: string | undefined,
  limit: number,
  audience: Audience = 'staff',
): Promise<AuditPage> {
  const page = await listAuditEventsJson(deps, filters, cursor, limit, audience);
  return {
    events: page.events.map((json) => JSON.parse(json) as AuditEvent),
    nextCursor: page.nextCursor,
  };
}

const CSV_COLUMNS = [
  'id',
  'at',
  'type',
  'actor_id',
  'actor_name',
  'actor_kind',
  'subject_id',
  'subject_name',
  'organization_id',
  'organization_name',
  'session_id',
  'impersonation_id',
  'ip',
  'user_agent',
  'request_id',
  'reason',
  'details',
] as const;

/**
 * RFC 4180 quoting; and a cell a spreadsheet would run as a formula (=, +, -, @) is
 * prefixed with a quote mark (OWASP CSV injection), and one holding a separator any locale
 * splits at (, ; tab) is quoted.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string'
      ? value
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  // Quoted too where a spreadsheet may split: Excel in many locales splits at ';', and text
  // after it would start a cell of its own, unprefixed (a user agent holding `;=cmd|…`).
  return /[",;\t\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(e: AuditEvent): string {
  return [
    e.id,
    e.at,
    e.type,
    e.actor?.id,
    e.actor?.name,
    e.actorKind,
    e.subject?.id,
    e.subject?.name,
    e.organization?.id,
    e.organization?.name,
    e.sessionId,
    e.impersonationId,
    e.ip,
    e.userAgent,
    e.requestId,
    e.reason,
    e.details,
  ]
    .map(csvCell)
    .join(',');
}

const EXPORT_BATCH = 500;
/** An export stops here; a longer one asks for a narrower time range. */
export const EXPORT_MAX_EVENTS = 1_000_000;

/** Lets the event loop answer other requests before the next page is read. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long an export waits for its reader to take the next page before it ends. */
export const EXPORT_STALL_MS = 60_000;

/**
 * The longest an export holds its turn, however its reader keeps up: a million events take 15–20
 * seconds, so only a reader that takes a page now and then, just inside `EXPORT_STALL_MS`, comes
 * near it (found by a review: four such readers could hold every turn of a process for hours).
 */
export const EXPORT_LONGEST_MS = 10 * 60_000;

/**
 * Streams the filtered events page by page: memory stays flat however many there are, and
 * between pages the event loop answers everyone else (a page is a few milliseconds of work;
 * the whole export may be seconds). At most `maxEvents` (EXPORT_MAX_EVENTS) events; then a last
 * line says the export was cut, and where to go on from. A reader that takes no page for
 * `stallMs` (EXPORT_STALL_MS) is cut off, so that one that stops reading without going away
 * cannot keep an export's turn, and so is one still reading after `longestMs`
 * (EXPORT_LONGEST_MS). `onEnd` is called once however the stream ends: read to the end, failed,
 * cut off, or cancelled by a client that went away.
 */
export function exportAuditEvents(
  deps: AppDeps,
  filters: AuditFilters,
  format: 'ndjson' | 'csv',
  audience: Audience,
  {
    maxEvents = EXPORT_MAX_EVENTS,
    stallMs = EXPORT_STALL_MS,
    longestMs = EXPORT_LONGEST_MS,
    onEnd,
  }: { maxEvents?: number; stallMs?: number; longestMs?: number; onEnd?: () => void } = {},
) {
  const encoder = new TextEncoder();
  const startedAt = performance.now();
  let cursor: string | undefined;
  let started = false;
  let sent = 0;
  let stalled: NodeJS.Timeout | undefined;
  const end = () => {
    clearTimeout(stalled);
    onEnd?.();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(stalled);
      if (performance.now() - startedAt > longestMs) {
        controller.error(new Error(`the export ran past ${longestMs} ms`));
        end();
        return;
      }
      try {
        if (await nextChunk(controller)) {
          controller.close();
          end();
          return;
        }
      } catch (error) {
        end();
        throw error;
      }
      // The page waits for its reader; one who never takes it loses the export.
      stalled = setTimeout(() => {
        controller.error(new Error(`the export's reader took no page for ${stallMs} ms`));
        end();
      }, stallMs);
      stalled.unref();
    },
    cancel() {
      end();
    },
  });

  /** Reads and enqueues the next page; true when the export is over. */
  async function nextChunk(controller: ReadableStreamDefaultController<Uint8Array>) {
    if (started) await yieldToEventLoop();
    // A page is read between answers: never from a group that has not committed yet.
    await deps.commitGroups?.pending();
    let text = '';
    if (!started && format === 'csv') text += `${CSV_COLUMNS.join(',')}\r\n`;
    started = true;
    const limit = Math.min(EXPORT_BATCH, maxEvents - sent);
    const page = await listAuditEventsJson(deps, filters, cursor, limit, audience);
    for (const json of page.events) {
      text += format === 'csv' ? `${csvLine(JSON.parse(json) as AuditEvent)}\r\n` : `${json}\n`;
    }
    sent += page.events.length;
    const cut = page.nextCursor !== null && sent >= maxEvents;
    if (cut) {
      const note = `export stopped at ${maxEvents} events; continue with cursor ${page.nextCursor} or a narrower time range`;
      text +=
        format === 'csv'
          ? `# ${note}\r\n`
          : `${JSON.stringify({ truncated: true, nextCursor: page.nextCursor, note })}\n`;
    }
    if (text) controller.enqueue(encoder.encode(text));
    cursor = page.nextCursor ?? undefined;
    return !page.nextCursor || cut;
  }
}

/**
 * An impersonation's page: when, who, why, and every action taken during it (rule 9), a page
 * of actions at a time. The first page is the newest actions, so a running impersonation shows
 * what was just done; `nextCursor` leads to the ones before them, until none are left. Each
 * page reads oldest first, as a timeline does.
 */
export async function impersonationReport(
  deps: AppDeps,
  id: string,
  page: { cursor?: string | undefined; limit: number },
  organizationId?: number,
): Promise<ImpersonationReport> {
  const found = await deps.store.audit.impersonation(id);
  if (!found || (organizationId !== undefined && found.row.organizationId !== organizationId)) {
    throw new AppError('not_found', { message: 'No such impersonation.' });
  }
  const { row } = found;
  // The team's report is a customer's view: staff by name and role only.
  const audience: Audience = organizationId === undefined ? 'staff' : 'customer';
  const filters = { impersonationId: id };
  const { events, nextCursor } = await listAuditEvents(
    deps,
    filters,
    page.cursor,
    page.limit,
    audience,
  );
  const staffHidden = audience === 'customer' && found.actor.kind === 'operator';
  return {
    impersonation: {
      id: row.id,
      door: row.door,
      actor: {
        id: found.actor.id,
        name: found.actor.name,
        email: staffHidden ? null : found.actor.email,
        operatorRole: found.actor.operatorRole,
      },
      target: found.target,
      organization: found.organization,
      reason: row.reason,
      ticket: row.ticket,
      issuedAt: toIso(row.issuedAt),
      startedAt: row.startedAt ? toIso(row.startedAt) : null,
      endsAt: row.endsAt ? toIso(row.endsAt) : null,
      endedAt: row.endedAt ? toIso(row.endedAt) : null,
      endReason: row.endReason,
    },
    events: events.reverse(),
    nextCursor,
  };
}
