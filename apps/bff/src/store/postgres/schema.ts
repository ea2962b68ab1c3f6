import type { AuditEventType } from '@onbehalf/contracts/audit';
import type { SignInMethod } from '@onbehalf/contracts/auth';
import type { EndReason, ImpersonationDoor } from '@onbehalf/contracts/impersonation';
import type {
  AttemptOutcome,
  CredentialEndReason,
  CredentialKind,
  CredentialPurpose,
  LinkDelivery,
  LoginTokenUse,
} from '@onbehalf/contracts/login-links';
import type {
  ApiKeyScope,
  CustomerPermission,
  OperatorRole,
} from '@onbehalf/contracts/permissions';
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL schema: the same tables, columns and meaning as the SQLite one
 * (`store/sqlite/schema/*.ts`), so both adapters hand the services the same rows. Instants are epoch
 * milliseconds (`bigint` read as a number), as on SQLite. What differs is said where it does:
 * JSON the database never looks into is `jsonb`, except the audit trail's `details`, kept as
 * `text` so that its hash covers exactly the stored bytes; search uses `tsvector` indexes where
 * SQLite uses FTS5 (the triggers live in the hand-written migration).
 */

/** Epoch milliseconds. */
const instant = (name: string) => bigint(name, { mode: 'number' });

// users.name, organizations.name and profiles.sort_name are in the "C" collation (byte
// order, ASCII-only lower(), as on SQLite): migration 0003, since drizzle's schema cannot say it.
export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash'),
    passwordChangedAt: instant('password_changed_at'),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    kind: text('kind', { enum: ['customer', 'operator'] }).notNull(),
    operatorRole: text('operator_role').$type<OperatorRole>(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('users_email_lower_unique').on(sql`lower(${t.email})`),
    index('users_name_idx').on(sql`lower(${t.name})`, t.id),
  ],
);

export const organizations = pgTable('organizations', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['company', 'personal'] }).notNull(),
  impersonationEnabled: boolean('impersonation_enabled').notNull().default(false),
  impersonationMaxMinutes: integer('impersonation_max_minutes').notNull().default(60),
  selfServiceLinksEnabled: boolean('self_service_links_enabled').notNull().default(true),
  integrationsEnabled: boolean('integrations_enabled').notNull().default(false),
  createdAt: instant('created_at').notNull(),
});

export const profiles = pgTable(
  'profiles',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    permissions: jsonb('permissions').$type<CustomerPermission[]>().notNull(),
    allowTeamImpersonation: boolean('allow_team_impersonation').notNull().default(true),
    createdAt: instant('created_at').notNull(),
    /**
     * Kept by triggers from `users.name`, as on SQLite: pages in name order by one index. The
     * triggers keep the person's words on the profile too (`words`, migration 0012), not in this
     * schema, so that no read of profiles carries them.
     */
    sortName: text('sort_name').notNull().default(''),
  },
  (t) => [
    uniqueIndex('profiles_user_org_unique').on(t.userId, t.organizationId),
    index('profiles_org_name_idx').on(t.organizationId, t.sortName, t.id),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id').references(() => users.id),
    profileId: integer('profile_id').references(() => profiles.id),
    method: text('method').$type<SignInMethod>().notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    revokedAt: instant('revoked_at'),
    revokedReason: text('revoked_reason'),
    impersonationId: text('impersonation_id'),
    viaKind: text('via_kind').$type<CredentialKind>(),
    viaCredentialId: text('via_credential_id'),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_unique').on(t.tokenHash),
    index('sessions_user_live_idx').on(t.userId, t.revokedAt, t.id),
    // Dead sessions by expiry: housekeeping deletes those long past it.
    index('sessions_expires_idx').on(t.expiresAt),
    // The live sessions a credential opened for a system: revoked together when it is withdrawn.
    index('sessions_opened_by_idx')
      .on(t.viaKind, t.viaCredentialId)
      .where(sql`${t.viaCredentialId} IS NOT NULL AND ${t.revokedAt} IS NULL`),
  ],
);

export const impersonations = pgTable(
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
    handoffTokenHash: text('handoff_token_hash').notNull(),
    handoffExpiresAt: instant('handoff_expires_at').notNull(),
    handoffUsedAt: instant('handoff_used_at'),
    sessionId: text('session_id'),
    issuedAt: instant('issued_at').notNull(),
    startedAt: instant('started_at'),
    endsAt: instant('ends_at'),
    endedAt: instant('ended_at'),
    endReason: text('end_reason').$type<EndReason>(),
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

export const oneClickLinks = pgTable(
  'one_click_links',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    secretHash: text('secret_hash').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
    revokedAt: instant('revoked_at'),
    credentialFingerprint: text('credential_fingerprint').notNull(),
    createdByUserId: integer('created_by_user_id'),
    createdByApiKeyId: text('created_by_api_key_id'),
    delivery: text('delivery').$type<LinkDelivery>().notNull().default('email'),
    purpose: text('purpose').$type<CredentialPurpose>().notNull().default('delivered'),
    profileId: integer('profile_id').references(() => profiles.id),
    reason: text('reason'),
    ticket: text('ticket'),
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
    // §8b): newest first, same instant by id in byte order as the list reads them, an expired
    // one passed over in the index.
    index('one_click_live_idx')
      .on(t.userId, t.createdAt, sql`${t.id} COLLATE "C"`, t.expiresAt)
      .where(sql`${t.usedAt} IS NULL AND ${t.revokedAt} IS NULL`),
  ],
);

export const loginTokens = pgTable(
  'login_tokens',
  {
    id: serial('id').primaryKey(),
    secretHash: text('secret_hash'),
    profileId: integer('profile_id').references(() => profiles.id),
    createdAt: instant('created_at').notNull(),
    createdByUserId: integer('created_by_user_id'),
    createdByApiKeyId: text('created_by_api_key_id'),
    expiresAt: instant('expires_at').notNull(),
    oneTimeUse: boolean('one_time_use').notNull(),
    extra: text('extra'),
    usedUpAt: instant('used_up_at'),
    deletedAt: instant('deleted_at'),
    successfulAttempts: integer('successful_attempts').notNull().default(0),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lastAccessedAt: instant('last_accessed_at'),
    use: text('use').$type<LoginTokenUse>(),
    reason: text('reason'),
    ticket: text('ticket'),
    credentialFingerprint: text('credential_fingerprint'),
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

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['one_click', 'login_token'] }).notNull(),
    oneClickLinkId: text('one_click_link_id'),
    loginTokenId: integer('login_token_id'),
    userId: integer('user_id'),
    at: instant('at').notNull(),
    outcome: text('outcome').$type<AttemptOutcome>().notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    index('login_attempts_token_idx')
      .on(t.loginTokenId, t.at)
      .where(sql`${t.loginTokenId} IS NOT NULL`),
    index('login_attempts_link_idx')
      .on(t.oneClickLinkId, t.at)
      .where(sql`${t.oneClickLinkId} IS NOT NULL`),
  ],
);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  secretHash: text('secret_hash').notNull(),
  scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
  organizationIds: jsonb('organization_ids').$type<number[]>().notNull(),
  createdAt: instant('created_at').notNull(),
  createdByUserId: integer('created_by_user_id').notNull(),
  expiresAt: instant('expires_at').notNull(),
  lastUsedAt: instant('last_used_at'),
  revokedAt: instant('revoked_at'),
});

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: instant('at').notNull(),
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
    /** Text, not jsonb: the chain hashes the stored bytes, and jsonb would reorder them. */
    details: text('details'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    keyed: boolean('keyed').notNull().default(false),
  },
  (t) => [
    index('audit_type_idx').on(t.type, t.id),
    index('audit_actor_idx').on(t.actorUserId, t.id).where(sql`${t.actorUserId} IS NOT NULL`),
    index('audit_subject_idx').on(t.subjectUserId, t.id).where(sql`${t.subjectUserId} IS NOT NULL`),
    index('audit_org_idx').on(t.organizationId, t.id).where(sql`${t.organizationId} IS NOT NULL`),
    index('audit_at_idx').on(t.at),
    index('audit_impersonation_idx')
      .on(t.impersonationId, t.id)
      .where(sql`${t.impersonationId} IS NOT NULL`),
    // Ids a JavaScript number names exactly: verification reads by id, and an event planted at
    // 2^62 would otherwise push every later one where reads round their ids.
    check('audit_events_id_exact', sql`${t.id} BETWEEN -9007199254740991 AND 9007199254740991`),
  ],
);

/**
 * The chain's head, one row: every append locks it (`SELECT … FOR UPDATE`), so appends from
 * every process are serialised in the database and each links to the one before it.
 */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey().default(1),
  lastId: bigint('last_id', { mode: 'number' }).notNull().default(0),
  lastHash: text('last_hash').notNull(),
  keyed: boolean('keyed').notNull().default(false),
});

export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: serial('id').primaryKey(),
  prunedThroughId: bigint('pruned_through_id', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  prunedAt: instant('pruned_at').notNull(),
  retentionDays: integer('retention_days').notNull(),
  prevHash: text('prev_hash'),
  hash: text('hash'),
});

export const auditRepeats = pgTable(
  'audit_repeats',
  {
    key: text('key').notNull(),
    minute: bigint('minute', { mode: 'number' }).notNull(),
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
    /**
     * The connection that counted (its backend's pid): each connection counts into a row of
     * its own, so readers paging at once never wait for each other's commit on one row; a
     * closed minute's rows are summed into its summary (store/postgres/audit-repeats.ts).
     */
    stripe: integer('stripe').notNull().default(0),
    count: integer('count').notNull(),
    lastAt: instant('last_at').notNull(),
    /**
     * Made with the row, never changed: a process that counted into it tells the same row set
     * back from one another process summarised and a late count made again (ADR 048).
     */
    made: uuid('made').notNull().defaultRandom(),
    /**
     * Whether the minute's first event was written with this row (by the count that made it):
     * its summary counts all of a row's counts as repeats but that first. A row made by a
     * count that ran while another process was summarising the minute has none (ADR 048).
     */
    first: boolean('first').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.minute, t.stripe] }),
    index('audit_repeats_minute_idx').on(t.minute),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    number: text('number').notNull(),
    title: text('title').notNull(),
    status: text('status', {
      enum: ['placed', 'processing', 'shipped', 'delivered', 'cancelled'],
    }).notNull(),
    quantity: integer('quantity').notNull(),
    totalCents: integer('total_cents').notNull(),
    currency: text('currency').notNull(),
    placedByProfileId: integer('placed_by_profile_id').references(() => profiles.id),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('orders_org_created_idx').on(t.organizationId, t.createdAt)],
);

export const invoices = pgTable(
  'invoices',
  {
    id: serial('id').primaryKey(),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    number: text('number').notNull(),
    status: text('status', { enum: ['open', 'paid', 'overdue'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    issuedAt: instant('issued_at').notNull(),
    dueAt: instant('due_at').notNull(),
  },
  (t) => [index('invoices_org_issued_idx').on(t.organizationId, t.issuedAt)],
);

export const outboxMessages = pgTable(
  'outbox_messages',
  {
    id: serial('id').primaryKey(),
    to: text('to').notNull(),
    from: text('from').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    kind: text('kind').notNull(),
    sealed: text('sealed'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('outbox_to_idx').on(t.to, t.id)],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

/**
 * Work that must survive a crash and run once, on whichever process takes it first (`FOR
 * UPDATE SKIP LOCKED`): mail now, webhooks later. Replaces "after the response" work in memory.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    /** Sealed with the server secret when it carries one (a sign-in link). */
    payload: text('payload').notNull(),
    runAt: instant('run_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lockedUntil: instant('locked_until'),
    doneAt: instant('done_at'),
    lastError: text('last_error'),
    /** Test mode only: the clock of the request that wrote the job, which it runs on. */
    testClock: text('test_clock'),
  },
  (t) => [index('jobs_due_idx').on(t.runAt).where(sql`${t.doneAt} IS NULL`)],
);

/**
 * Signing keys shared by every process: the private JWK sealed with the server secret from the
 * environment, so every process publishes the same JWKS and a copy of the database signs nothing.
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  publicJwk: jsonb('public_jwk').notNull(),
  /**
   * The public half as published, sealed with ONBEHALF_SECRET: only a process holding the
   * secret adds a key to the JWKS (null on a row from before it, until a process re-seals it).
   */
  sealedPublicJwk: text('sealed_public_jwk'),
  /** Null for a key from `SESSION_SIGNING_JWK`: its private half never enters the database. */
  sealedPrivateJwk: text('sealed_private_jwk'),
  createdAt: instant('created_at').notNull(),
  /** When a process signing with it last said so (at start, then once a minute). */
  lastSeenAt: instant('last_seen_at'),
  retiredAt: instant('retired_at'),
});

/**
 * Test mode's clocks: how far each test has moved its own clock forward (lib/clock.ts), shared
 * by every process of a server in test mode. Empty outside test mode.
 */
export const testClocks = pgTable('test_clocks', {
  namespace: text('namespace').primaryKey(),
  offsetMs: bigint('offset_ms', { mode: 'number' }).notNull(),
});
