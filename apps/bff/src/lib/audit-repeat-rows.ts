import { createHash } from 'node:crypto';
import type { AuditEventType } from '@onbehalf/contracts/audit';
import { searchWords } from '../store/search-words.ts';
import type { AuditEntry } from './audit-event.ts';
import { toIso } from './clock.ts';
import { addressKey } from './rate-limit.ts';
import type { RequestMeta } from './request-meta.ts';

/**
 * How repeated refusals and reads are counted and summarised (SPEC §8b), the same on every
 * store (store/sqlite/audit-repeats.ts on SQLite, store/postgres/audit-repeats.ts on
 * PostgreSQL): what repeats is keyed by event type, actor (or API key, or address), rule,
 * organization and the integration's credential the session was opened with (if any), and for
 * a read by what it asked (its details), counted per minute, and a minute with repeats becomes
 * one `audit.repeated` event once it is over, naming that credential as every event written in
 * an integration's session does (SPEC §4b), and what a repeated read asked.
 */

const MINUTE = 60_000;

/** A repeatable event always names who did it (a person, or an address for no one). */
export type RepeatableEntry = AuditEntry & { actor: NonNullable<AuditEntry['actor']> };

/**
 * A summary is written by the server, not by a request: it carries the address its repeats
 * were counted by, for no one signed in, and no request's agent or id.
 */
export const summaryMetaOf = (row: Pick<RepeatCounter, 'ip'>): RequestMeta => ({
  ip: row.ip,
  userAgent: null,
  requestId: null,
});

export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE);
}

/**
 * Reads of the audit trail and the outbox, where what was read is what an audit of the
 * auditors needs: each read that asks something else (other filters, format, address,
 * impersonation) is written in full, and only the same read asked again is counted (found by a
 * review: an export of the trail about a customer hid behind a harmless one a moment before,
 * as "1 repeat"). Refusals stay counted per rule, whatever their details: those are the
 * caller's to vary, and their flood is what the counting stops (docs/decisions/016-rate-limits.md).
 */
const READS: ReadonlySet<AuditEventType> = new Set(['audit.read', 'audit.exported', 'outbox.read']);

/**
 * Free text as the search reads it (`searchWords`, the last word the start of one): whatever
 * its case, spacing or punctuation, the same search is the same question (review L: every
 * spelling in upper and lower case of one word was a question of its own, each written), and
 * two searches that find different events stay two (review N).
 */
const searchedWords = (text: string) =>
  searchWords(text, 'last word')
    .map((word) => (word.prefix ? `${word.text}*` : word.text))
    .join(' ');

/** What a read asked, as JSON with its keys in order: the same question, the same text. */
function askedOf(entry: RepeatableEntry): string | null {
  if (!READS.has(entry.type)) return null;
  return JSON.stringify(entry.details ?? {}, (name, value) =>
    name === 'query' && typeof value === 'string'
      ? searchedWords(value)
      : value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : value,
  );
}

/** The counter a repeatable event starts, or adds one to, in its minute. */
export function repeatRow(entry: RepeatableEntry, rule: string, meta: RequestMeta) {
  // Nobody signed in: an API key is who asked (its repeats are its own, whoever shares its
  // address), else the address, an IPv6 one by its /64 as the rate limits count it (one holder
  // has them all).
  const apiKeyId = entry.details?.apiKeyId;
  const who =
    entry.actor.userId ??
    (typeof apiKeyId === 'string' ? `api_key:${apiKeyId}` : `address:${addressKey(meta.ip)}`);
  const via = meta.credential ?? null;
  // Per organization too: a team admin of two reading both within a minute leaves an event in
  // each one's trail, not one in the first and a count that names it (found by a review).
  const organization = entry.organizationId ?? null;
  // And, for no one signed in, per subject: failed sign-ins and guesses about one account stay
  // in its history (a review: their summary named neither the account nor the address), each
  // account's own budget bounding them. Refusals of someone signed in or an API key stay
  // counted per rule whichever subject they name: those are theirs to vary.
  const subject = entry.actor.kind === 'anonymous' ? (entry.subjectUserId ?? null) : null;
  // A read's question by its digest (SHA-256, whole: a shortened one could be matched by a
  // harmless read made for the purpose), so that a long one keeps the key short.
  const asked = askedOf(entry);
  const digest = asked === null ? null : createHash('sha256').update(asked).digest('base64url');
  return {
    key: `${entry.type}|${who}|${rule}${organization === null ? '' : `|org:${organization}`}${subject === null ? '' : `|subject:${subject}`}${via ? `|${via.kind}:${via.id}` : ''}${digest === null ? '' : `|asked:${digest}`}`,
    minute: minuteOf(entry.at),
    type: entry.type,
    actorUserId: entry.actor.userId,
    actorKind: entry.actor.kind,
    organizationId: entry.organizationId ?? null,
    rule,
    via: via ? JSON.stringify(via) : null,
    asked,
    subjectUserId: subject,
    // The address the repeats were counted by, for no one signed in (every repeat came from its
    // /64); a signed-in actor's may come from anywhere, and the first's would misname them.
    ip: entry.actor.kind === 'anonymous' ? (meta.ip ?? null) : null,
    count: 1,
    lastAt: entry.at,
  };
}

/** A closed minute's counter, as stored. */
export interface RepeatCounter {
  minute: number;
  type: AuditEventType;
  actorUserId: number | null;
  actorKind: NonNullable<AuditEntry['actor']>['kind'] | null;
  organizationId: number | null;
  rule: string;
  /** The integration's credential, as JSON, when the repeats were made in its session. */
  via: string | null;
  /** What a read asked (its details, as JSON); null for a refusal, and for rows from before it. */
  asked: string | null;
  /**
   * Whom the repeats were about, and the address they were counted by (its /64 for IPv6),
   * both for no one signed in only (null for others, and before 0027/0025).
   */
  subjectUserId: number | null;
  ip: string | null;
  count: number;
  lastAt: number;
}

/** The `audit.repeated` event a closed minute becomes, or null when nothing repeated in it. */
export function repeatSummary(row: RepeatCounter): AuditEntry | null {
  if (row.count < 2) return null;
  return {
    type: 'audit.repeated',
    at: row.lastAt,
    actor: { userId: row.actorUserId, kind: row.actorKind ?? 'anonymous' },
    organizationId: row.organizationId,
    subjectUserId: row.subjectUserId,
    details: {
      type: row.type,
      rule: row.rule,
      repeats: row.count - 1,
      minute: toIso(row.minute * MINUTE),
      ...(row.via ? { via: JSON.parse(row.via) } : {}),
      ...(row.asked ? { asked: JSON.parse(row.asked) } : {}),
    },
  };
}
