import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The local mail outbox: where mail goes when no SMTP server is configured (development, tests,
 * QA). `text` and `html` are redacted copies with every link removed; in test mode only, the
 * whole message is sealed (AES-GCM, key outside the database) for the test mailbox, so a copy of
 * the database opens nothing. Purged a day after sending.
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
    /** The whole message, encrypted; readable only by the server that wrote it. */
    sealed: text('sealed'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('outbox_to_idx').on(t.to, t.id)],
);
