import type { AuditEventType } from '@onbehalf/contracts/audit';
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Append-only. Each row carries the hash of the one before it, so a silent edit shows. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    type: text('type').$type<AuditEventType>().notNull(),
    actorUserId: integer('actor_user_id'),
    actorKind: text('actor_kind', { enum: ['customer', 'operator', 'anonymous', 'system'] }),
    subjectUserId: integer('subject_user_id'),
    organizationId: integer('organization_id'),
    sessionId: text('session_id'),
    impersonationId: text('impersonation_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    reason: text('reason'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /**
     * Hashed with the chain's key (HMAC-SHA-256, key outside the database) rather than plain
     * SHA-256. Events from before the key are plain; once keyed, every later event is.
     */
    keyed: integer('keyed', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    index('audit_type_idx').on(t.type, t.id),
    // Partial: an event without an actor, subject, organization or impersonation writes no
    // entry there, and a filter `= ?` on the column still uses the index.
    index('audit_actor_idx').on(t.actorUserId, t.id).where(sql`${t.actorUserId} IS NOT NULL`),
    index('audit_subject_idx').on(t.subjectUserId, t.id).where(sql`${t.subjectUserId} IS NOT NULL`),
    index('audit_org_idx').on(t.organizationId, t.id).where(sql`${t.organizationId} IS NOT NULL`),
    index('audit_at_idx').on(t.at),
    index('audit_impersonation_idx')
      .on(t.impersonationId, t.id)
      .where(sql`${t.impersonationId} IS NOT NULL`),
  ],
);

/**
 * Left by a retention prune: the hash of the last pruned event, so the chain stays
 * verifiable from the first kept one. Checkpoints are chained and keyed themselves (a forged
 * one cannot hide an edit below it) and append-only.
 */
export const auditCheckpoints = sqliteTable('audit_checkpoints', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  prunedThroughId: integer('pruned_through_id').notNull(),
  lastHash: text('last_hash').notNull(),
  prunedAt: integer('pruned_at').notNull(),
  retentionDays: integer('retention_days').notNull(),
  /** The previous checkpoint's hash (genesis for the first); null on checkpoints from before. */
  prevHash: text('prev_hash'),
  hash: text('hash'),
});

export type AuditEventRow = typeof auditEvents.$inferSelect;

/**
 * Repeated refusals and reads, counted per actor, kind and minute so that a flood of them
 * writes one event and one summary, not one event each (SPEC §8b).
 */
export const auditRepeats = sqliteTable(
  'audit_repeats',
  {
    key: text('key').notNull(),
    minute: integer('minute').notNull(),
    type: text('type').$type<AuditEventType>().notNull(),
    actorUserId: integer('actor_user_id'),
    actorKind: text('actor_kind', { enum: ['customer', 'operator', 'anonymous', 'system'] }),
    organizationId: integer('organization_id'),
    rule: text('rule').notNull(),
    /** The integration's credential (JSON) the repeats were made with, if any. */
    via: text('via'),
    /** What a read asked (its details, JSON), counted apart from other reads; null for a refusal. */
    asked: text('asked'),
    /** For no one signed in: whom the repeats were about (the account a failure named). */
    subjectUserId: integer('subject_user_id'),
    /** For no one signed in: the address the repeats were counted by (the minute's first). */
    ip: text('ip'),
    count: integer('count').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.minute] }),
    index('audit_repeats_minute_idx').on(t.minute),
  ],
);
