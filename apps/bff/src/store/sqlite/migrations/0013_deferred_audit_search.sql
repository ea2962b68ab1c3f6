-- The audit trail's full-text index is no longer fed row by row inside every audited write:
-- FTS5 tokenised each event and flushed a new segment at each commit, about a quarter of the
-- server's time on the write paths (docs/decisions/024-deferred-audit-search-index.md). Events
-- are now indexed in batches, in order, by store/sqlite/audit-search.ts, which records here how
-- far it has gone; a free-text search first indexes whatever is newer, so it misses nothing.
CREATE TABLE `audit_search_progress` (
  `id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
  `indexed_through` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `audit_search_progress` (`id`, `indexed_through`)
  SELECT 1, coalesce(max(`id`), 0) FROM `audit_events`;
--> statement-breakpoint
DROP TRIGGER `audit_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `audit_fts_delete`;
--> statement-breakpoint
-- Pruning takes an event out of the index only if it is in it: FTS5 cannot tell a 'delete' of a
-- row it never indexed from one it did, and would drop those terms from other rows.
CREATE TRIGGER `audit_fts_delete` AFTER DELETE ON `audit_events`
WHEN old.id <= (SELECT `indexed_through` FROM `audit_search_progress`)
BEGIN
  INSERT INTO `audit_fts` (`audit_fts`, rowid, reason, details, type, ip)
  VALUES ('delete', old.id, old.reason, old.details, old.type, old.ip);
END;
