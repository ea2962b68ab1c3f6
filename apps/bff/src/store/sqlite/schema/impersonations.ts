import type { EndReason, ImpersonationDoor } from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { organizations } from './organizations.ts';
import { profiles } from './profiles.ts';
import { users } from './users.ts';

/**
 * One row per attempt to act as someone else: the hand-off token that was issued, the
 * session it became, and how that session ended. The actor's own session is referenced,
 * never copied: it stays untouched server-side for the whole impersonation.
 */
export const impersonations = sqliteTable(
  'impersonations',
  {
    id: text('id').primaryKey(),
    door: text('door').$type<ImpersonationDoor>().notNull(),
    actorUserId: integer('actor_user_id')
      .notNull()
      .references(() => users.id),
    actorProfileId: integer('actor_profile_id').references(() => profiles.id),
    actorSessionId: text('actor_session_id').notNull(),
    targetUserId: integer('target_user_id')
      .notNull()
      .references(() => users.id),
    targetProfileId: integer('target_profile_id').references(() => profiles.id),
    organizationId: integer('organization_id').references(() => organizations.id),
    reason: text('reason'),
    ticket: text('ticket'),
    /**
     * SHA-256 of the secret half of the single-use hand-off token `{id}.{secret}`. The row is
     * found by its id and the secret compared in constant time, so no index of hashes is kept.
     */
    handoffTokenHash: text('handoff_token_hash').notNull(),
    handoffExpiresAt: integer('handoff_expires_at').notNull(),
    handoffUsedAt: integer('handoff_used_at'),
    sessionId: text('session_id'),
    issuedAt: integer('issued_at').notNull(),
    startedAt: integer('started_at'),
    endsAt: integer('ends_at'),
    endedAt: integer('ended_at'),
    endReason: text('end_reason').$type<EndReason>(),
    /** A credential handed over to its maker that started this impersonation (SPEC §4b). */
    credentialKind: text('credential_kind').$type<CredentialKind>(),
    credentialId: text('credential_id'),
  },
  (t) => [
    index('impersonations_target_idx').on(t.targetUserId, t.issuedAt),
    index('impersonations_actor_session_idx').on(t.actorSessionId),
    // The started ones not yet ended, by when they end: what housekeeping settles once overdue.
    index('impersonations_overdue_idx')
      .on(t.endsAt, t.id)
      .where(sql`${t.endedAt} IS NULL AND ${t.startedAt} IS NOT NULL`),
    // The running ones, by the credential that started them and by who acts: what a withdrawal,
    // a lost right or a disabled person ends, without reading every impersonation ever run.
    index('impersonations_running_credential_idx')
      .on(t.credentialKind, t.credentialId)
      .where(sql`${t.credentialId} IS NOT NULL AND ${t.endedAt} IS NULL`),
    index('impersonations_running_actor_idx').on(t.actorUserId).where(sql`${t.endedAt} IS NULL`),
    // The running ones a credential started, by whom they act as: what the person's Account
    // lists as in use (a used support token or handover link whose impersonation still runs).
    index('impersonations_running_handover_idx')
      .on(t.targetUserId)
      .where(sql`${t.credentialId} IS NOT NULL AND ${t.endedAt} IS NULL`),
  ],
);

export type ImpersonationRow = typeof impersonations.$inferSelect;
