import type { OperatorRole } from '@onbehalf/contracts/permissions';
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash'),
    /** Bumped on every password change: links issued before it stop working. */
    passwordChangedAt: integer('password_changed_at'),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    kind: text('kind', { enum: ['customer', 'operator'] }).notNull(),
    operatorRole: text('operator_role').$type<OperatorRole>(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    // Emails are unique regardless of case; lookups go through lower(email).
    uniqueIndex('users_email_lower_unique').on(sql`lower(${t.email})`),
    // Admin › Users pages in name order.
    index('users_name_idx').on(sql`lower(${t.name})`, t.id),
  ],
);

export type UserRow = typeof users.$inferSelect;
