import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Test mode's clocks: how far each test has moved its own clock forward (lib/clock.ts). In the
 * database, not in a process, so every process of a server in test mode runs a test on the same
 * time (SPEC §11, §12). Empty outside test mode.
 */
export const testClocks = sqliteTable('test_clocks', {
  namespace: text('namespace').primaryKey(),
  offsetMs: integer('offset_ms').notNull(),
});
