/**
 * The outbox feature's port: the reads it needs and its atomic commands (docs/decisions/
 * 019-store-ports.md). Not filled in yet: the feature still reads SQLite through `deps.db`.
 */
export type OutboxStore = Record<never, never>;
