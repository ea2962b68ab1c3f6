import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The local mail outbox: where mail goes when no SMTP server is configured (the demo, tests,
 * QA). Rows hold the whole message, sign-in links included, and are purged a day after sending.
 */
export const outboxMessages = sqliteTable(
  'outbox_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    to: text('to').notNull(),
    from: text('from').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    kind: text('kind').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('outbox_to_idx').on(t.to, t.id)],
);
