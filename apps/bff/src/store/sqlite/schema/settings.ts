import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Global switches, one row per key; the value is JSON and the settings feature owns its shape. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at').notNull(),
});
