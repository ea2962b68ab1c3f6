import { z } from 'zod';
import { MAX_PAGE, numericId, oneSearch, pageLimit } from './common.ts';
import { operatorRole } from './permissions.ts';

/** Every kind of event the audit trail records. Names are stable: reports filter on them. */
export const auditEventTypes = [
  'auth.sign_in.succeeded',
  'auth.sign_in.failed',
  'auth.signed_out',
  'session.revoked',
  'profile.switched',
  'team.member_updated',
  'order.placed',
  'impersonation.token_issued',
  'impersonation.started',
  'impersonation.ended',
  'impersonation.refused',
  'impersonation.exchange_failed',
  'session.action_refused',
  'account.password_changed',
  'account.password_change_failed',
  'one_click.issued',
  'one_click.redeemed',
  'one_click.failed',
  'one_click.requested',
  'one_click.emailed',
  'mail.failed',
  'user.provisioned',
  'login_token.created',
  'login_token.used',
  'login_token.failed',
  'login_token.deleted',
  'login_token.emailed',
  'api_key.created',
  'api_key.revoked',
  'account.impersonation_preference_changed',
  'settings.changed',
  'credential.revoked',
  'credential.refused',
  'user.updated',
  'audit.read',
  'audit.exported',
  'outbox.read',
  'audit.repeated',
  'audit.pruned',
  'test.organization_created',
  'test.operator_created',
  'test.mailbox_read',
  'test.clock_advanced',
  'test.clock_read',
  'test.refused',
] as const;
export const auditEventType = z.enum(auditEventTypes);
export type AuditEventType = z.infer<typeof auditEventType>;

/** An empty search is none, as on every other list. */
const searchText = z.string().trim().max(200);
const oldSearch = oneSearch('q');

/** The most event types one list or export filters by. */
const MOST_TYPES = 20;

/**
 * Event types as `type=a,b` or `type=a&type=b`, read only as far as one past the most: a URL
 * holds 7,500 of them, each of which an unknown one's refusal spelt with every type there is
 * (150–225 ms of the event loop, an 8 MB answer; `listOf` in common.ts says why).
 */
const csvOrList = z.union([z.string(), z.array(z.string())]).transform((v) =>
  (Array.isArray(v) ? v : v.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, MOST_TYPES + 1),
);

/** Filters shared by the list and the export. Every one of them is served by an index. */
export const auditFilters = z.object({
  type: csvOrList.pipe(z.array(auditEventType).max(MOST_TYPES)).optional(),
  actorUserId: numericId.optional(),
  subjectUserId: numericId.optional(),
  organizationId: numericId.optional(),
  impersonationId: z.string().trim().min(1).max(64).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  /** Free text (SPEC §8b `?query=`): every word, in names, emails, addresses and details. */
  query: searchText.optional(),
  /** The search's name before it was `query`, still taken. Deprecated: send `query`. */
  q: searchText.optional().meta({ deprecated: true, description: 'Deprecated: send `query`.' }),
});
export type AuditFilters = Omit<z.infer<typeof auditFilters>, 'q'>;

/** Opaque keyset cursor from the previous page's `nextCursor`: where that page ended. */
const auditCursor = z
  .string()
  .regex(/^\d{1,15}$/)
  .optional();
/** How many events a page of the trail holds, at most `MAX_PAGE`. */
const auditLimit = pageLimit(MAX_PAGE);

export const auditListQuery = auditFilters
  .extend({ cursor: auditCursor, limit: auditLimit.default(50) })
  .refine(oldSearch.check, oldSearch.error);
export type AuditListQuery = z.input<typeof auditListQuery>;

export const auditExportQuery = auditFilters
  .extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') })
  .refine(oldSearch.check, oldSearch.error);

/** A person in an event. A customer's view names staff by name and role, without the email. */
const party = z
  .object({
    id: z.number().int(),
    name: z.string(),
    email: z.string().nullable(),
    operatorRole: operatorRole.nullable().optional(),
  })
  .nullable();

export const auditEvent = z.object({
  id: z.number().int(),
  at: z.iso.datetime(),
  type: auditEventType,
  actor: party,
  actorKind: z.string().nullable(),
  subject: party,
  organization: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  sessionId: z.string().nullable(),
  impersonationId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEvent>;

export const auditPage = z.object({
  events: z.array(auditEvent),
  /**
   * Where the next page starts; null on the last. A free-text search examines a bounded number
   * of events per request, so a page may hold fewer events than asked, even none, and still
   * have a next page: the search goes on there.
   */
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPage>;

/** One place the chain does not hold, and what is wrong there. */
export const auditBreak = z.object({
  /** The event, or null for a checkpoint. */
  id: z.number().int().nullable(),
  checkpointId: z.number().int().nullable(),
  problem: z.enum([
    /** Its stored content no longer gives its stored hash. */
    'edited',
    /** It does not link to the event before it: one was inserted or deleted there. */
    'relinked',
    /** A plain event after the chain was keyed: rewritten by someone without the key. */
    'unkeyed',
    /** The newest events, up to the head kept outside the database, are gone. */
    'truncated',
    /** A checkpoint that does not verify: not believed. */
    'checkpoint_forged',
    /**
     * An event where none can be: at or below where a retention prune cut the trail, and not
     * what that prune has still to delete; or below the first id.
     */
    'inserted',
  ]),
});
export type AuditBreak = z.infer<typeof auditBreak>;

export const auditVerification = z.object({
  intact: z.boolean(),
  checked: z.number().int(),
  firstBrokenId: z.number().int().nullable(),
  /** The breaks found: every one up to 100, else the first 50 and the latest 50. */
  breaks: z.array(auditBreak),
  /** How many breaks were found in all. */
  breakCount: z.number().int(),
  /** Where verification started: the genesis, or the checkpoint left by a retention prune. */
  anchor: z.enum(['genesis', 'checkpoint']),
  /** The head kept outside the database: matched, missing (never written), or cut off. */
  outsideAnchor: z.enum(['matched', 'missing', 'truncated']),
});
export type AuditVerification = z.infer<typeof auditVerification>;

export const impersonationIdParam = z.object({ id: z.string().min(1).max(64) });

/**
 * A page of an impersonation's report: the first is its newest actions (a running one shows
 * what was just done), each `nextCursor` the actions before them. The cursor is the audit
 * list's, so one pager serves both.
 */
export const impersonationReportQuery = z.object({
  cursor: auditCursor,
  limit: auditLimit.default(MAX_PAGE),
});
export type ImpersonationReportQuery = z.input<typeof impersonationReportQuery>;

export const impersonationReport = z.object({
  impersonation: z.object({
    id: z.string(),
    door: z.enum(['team', 'operator']),
    actor: z.object({
      id: z.number().int(),
      name: z.string(),
      email: z.string().nullable(),
      operatorRole: operatorRole.nullable(),
    }),
    target: z.object({ id: z.number().int(), name: z.string(), email: z.string() }),
    organization: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    reason: z.string().nullable(),
    ticket: z.string().nullable(),
    issuedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    endReason: z.string().nullable(),
  }),
  /**
   * A page of what was recorded under this impersonation, oldest first within the page: the
   * first page is the newest actions, each later page the ones before it.
   */
  events: z.array(auditEvent),
  /** Where the page of earlier actions starts; null when there are none. */
  nextCursor: z.string().nullable(),
});
export type ImpersonationReport = z.infer<typeof impersonationReport>;
