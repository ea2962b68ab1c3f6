import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const organizations = sqliteTable('organizations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['company', 'personal'] }).notNull(),
  /** Team door: may team admins sign in as members? Off unless the owner turns it on. */
  impersonationEnabled: integer('impersonation_enabled', { mode: 'boolean' })
    .notNull()
    .default(false),
  /** An organization may shorten impersonation sessions below the global maximum. */
  impersonationMaxMinutes: integer('impersonation_max_minutes').notNull().default(60),
  /** May members ask for a sign-in link by email ("Email me a sign-in link")? */
  selfServiceLinksEnabled: integer('self_service_links_enabled', { mode: 'boolean' })
    .notNull()
    .default(true),
  /**
   * May credentials be handed over to a system (an integration's login token, anything an API
   * key makes for a person)? Off unless switched on (SPEC §4b).
   */
  integrationsEnabled: integer('integrations_enabled', { mode: 'boolean' })
    .notNull()
    .default(false),
  createdAt: integer('created_at').notNull(),
});

export type OrganizationRow = typeof organizations.$inferSelect;
