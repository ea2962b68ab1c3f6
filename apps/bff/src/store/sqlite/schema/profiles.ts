import type { CustomerPermission } from '@onbehalf/contracts/permissions';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { organizations } from './organizations.ts';
import { users } from './users.ts';

export const profiles = sqliteTable(
  'profiles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    /** The explicit permission set the team page edits (JSON array, catalogue order). */
    permissions: text('permissions', { mode: 'json' }).$type<CustomerPermission[]>().notNull(),
    /** The member's opt-out: may team admins sign in as me? */
    allowTeamImpersonation: integer('allow_team_impersonation', { mode: 'boolean' })
      .notNull()
      .default(true),
    createdAt: integer('created_at').notNull(),
    /**
     * The member's name in lower case, kept by triggers from `users.name`: a team of 100,000
     * is paged in name order through one index, never sorted whole (SPEC §8b).
     */
    sortName: text('sort_name').notNull().default(''),
  },
  (t) => [
    uniqueIndex('profiles_user_org_unique').on(t.userId, t.organizationId),
    index('profiles_org_name_idx').on(t.organizationId, t.sortName, t.id),
    /**
     * An organization's people in id order: the list a search tests people against ("in these
     * organizations") is read in the order it is kept, a few milliseconds for 100,000 members
     * where the name index above gave them in random order (80-100 ms).
     */
    index('profiles_org_user_idx').on(t.organizationId, t.userId),
  ],
);

export type ProfileRow = typeof profiles.$inferSelect;
