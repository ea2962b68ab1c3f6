import type {
  AttemptOutcome,
  CredentialEndReason,
  CredentialPurpose,
  LinkDelivery,
  LoginTokenUse,
} from '@onbehalf/contracts/login-links';
import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { profiles } from './profiles.ts';
import { users } from './users.ts';

/**
 * One-click links: `/one-click/{user_id}/{secret}`. Only the SHA-256 of the secret is kept,
 * so a copy of the database opens nothing.
 */
export const oneClickLinks = sqliteTable(
  'one_click_links',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
    /** A fingerprint of the user's password hash when issued: a password change kills the link. */
    credentialFingerprint: text('credential_fingerprint').notNull(),
    createdByUserId: integer('created_by_user_id'),
    createdByApiKeyId: text('created_by_api_key_id'),
    /** How it travels: emailed to the user, or handed to its maker (SPEC §4b). */
    delivery: text('delivery').$type<LinkDelivery>().notNull().default('email'),
    /** Who will use it: the user (delivered), its maker (support) or a system (integration). */
    purpose: text('purpose').$type<CredentialPurpose>().notNull().default('delivered'),
    /** The profile a handed-over link opens (a delivered one lets the person pick). */
    profileId: integer('profile_id').references(() => profiles.id),
    reason: text('reason'),
    ticket: text('ticket'),
    /** Why it stopped working before its time: revoked by the user, a password change… */
    revokedReason: text('revoked_reason').$type<CredentialEndReason>(),
  },
  (t) => [
    uniqueIndex('one_click_secret_unique').on(t.secretHash),
    index('one_click_user_idx').on(t.userId),
    // The access history's integrations, a page at a time (SPEC §8b): a person's, newest first.
    index('one_click_integration_idx')
      .on(t.userId, t.createdAt, t.id)
      .where(sql`${t.purpose} = 'integration'`),
    // The links of a person that may still work, for Account's list a page at a time (SPEC
    // §8b): newest first, an expired one passed over in the index without reading its row.
    index('one_click_live_idx')
      .on(t.userId, t.createdAt, t.id, t.expiresAt)
      .where(sql`${t.usedAt} IS NULL AND ${t.revokedAt} IS NULL`),
  ],
);

/**
 * Login tokens: `/login?token={id}.{secret}`. The id is public (it names the token in the
 * backoffice and lets a wrong secret count as a failed attempt on it); the secret is hashed.
 */
export const loginTokens = sqliteTable(
  'login_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Null once deleted: a deleted token can never be made to work again. */
    secretHash: text('secret_hash'),
    profileId: integer('profile_id').references(() => profiles.id),
    createdAt: integer('created_at').notNull(),
    createdByUserId: integer('created_by_user_id'),
    createdByApiKeyId: text('created_by_api_key_id'),
    expiresAt: integer('expires_at').notNull(),
    oneTimeUse: integer('one_time_use', { mode: 'boolean' }).notNull(),
    extra: text('extra'),
    usedUpAt: integer('used_up_at'),
    deletedAt: integer('deleted_at'),
    successfulAttempts: integer('successful_attempts').notNull().default(0),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lastAccessedAt: integer('last_accessed_at'),
    /** Who will use it (SPEC §4b); null for an anonymous token, which signs in a guest. */
    use: text('use').$type<LoginTokenUse>(),
    reason: text('reason'),
    ticket: text('ticket'),
    /** A fingerprint of the user's password hash when made: a password change kills the token. */
    credentialFingerprint: text('credential_fingerprint'),
    /** Why it was withdrawn (deleted by an operator, revoked by its user, …), with deleted_at. */
    revokedReason: text('revoked_reason').$type<CredentialEndReason>(),
  },
  (t) => [
    index('login_tokens_expires_idx').on(t.expiresAt),
    index('login_tokens_profile_idx').on(t.profileId).where(sql`${t.profileId} IS NOT NULL`),
    index('login_tokens_integration_idx')
      .on(t.profileId, t.createdAt, t.id)
      .where(sql`${t.use} = 'integration'`),
    // A profile's tokens that may still work, for the same list, in the same way.
    index('login_tokens_live_idx')
      .on(t.profileId, t.createdAt, t.id, t.expiresAt)
      .where(sql`${t.deletedAt} IS NULL AND ${t.usedUpAt} IS NULL`),
  ],
);

/** Every attempt at a link or token, successful or not, with who tried from where. */
export const loginAttempts = sqliteTable(
  'login_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['one_click', 'login_token'] }).notNull(),
    oneClickLinkId: text('one_click_link_id'),
    loginTokenId: integer('login_token_id'),
    userId: integer('user_id'),
    at: integer('at').notNull(),
    outcome: text('outcome').$type<AttemptOutcome>().notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    // An attempt is at a token or at a link, never both: each index holds only its kind.
    index('login_attempts_token_idx')
      .on(t.loginTokenId, t.at)
      .where(sql`${t.loginTokenId} IS NOT NULL`),
    index('login_attempts_link_idx')
      .on(t.oneClickLinkId, t.at)
      .where(sql`${t.oneClickLinkId} IS NOT NULL`),
  ],
);

/** Keys for integrations: `obk_{id}_{secret}`, stored as a hash, scoped, revocable. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<ApiKeyScope[]>().notNull(),
  /** The organizations whose people the key may act for; nobody outside them. */
  organizationIds: text('organization_ids', { mode: 'json' }).$type<number[]>().notNull(),
  createdAt: integer('created_at').notNull(),
  createdByUserId: integer('created_by_user_id').notNull(),
  expiresAt: integer('expires_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  revokedAt: integer('revoked_at'),
});

export type OneClickLinkRow = typeof oneClickLinks.$inferSelect;
export type LoginTokenRow = typeof loginTokens.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
