import type { SignInMethod } from '@onbehalf/contracts/auth';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { profiles } from './profiles.ts';
import { users } from './users.ts';

export const sessions = sqliteTable(
  'sessions',
  {
    /** Public identifier, safe to show and to use in URLs; never the credential. */
    id: text('id').primaryKey(),
    /** SHA-256 of the bearer/cookie token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id').references(() => users.id),
    profileId: integer('profile_id').references(() => profiles.id),
    method: text('method').$type<SignInMethod>().notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
    /** Set on a session that acts as its user on someone else's behalf. */
    impersonationId: text('impersonation_id'),
    /** Set on a session a credential opened for a system (an integration): which one. */
    viaKind: text('via_kind').$type<CredentialKind>(),
    viaCredentialId: text('via_credential_id'),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_unique').on(t.tokenHash),
    // A person's live sessions, newest first, a page at a time.
    index('sessions_user_live_idx').on(t.userId, t.revokedAt, t.id),
    // Dead sessions by expiry: housekeeping deletes those long past it.
    index('sessions_expires_idx').on(t.expiresAt),
    // The live sessions a credential opened for a system: revoked together when it is withdrawn.
    index('sessions_opened_by_idx')
      .on(t.viaKind, t.viaCredentialId)
      .where(sql`${t.viaCredentialId} IS NOT NULL AND ${t.revokedAt} IS NULL`),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
