ALTER TABLE `audit_checkpoints` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `audit_checkpoints` ADD `hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `keyed` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Checkpoints are append-only too: a retention prune only ever adds one.
CREATE TRIGGER `audit_checkpoints_no_update` BEFORE UPDATE ON `audit_checkpoints`
BEGIN
  SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_checkpoints_no_delete` BEFORE DELETE ON `audit_checkpoints`
BEGIN
  SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
--> statement-breakpoint
-- Free-text search of the trail through an index (SQLite FTS5), not a scan: the reason, the
-- details, the type and the address, kept in step with the events by triggers.
CREATE VIRTUAL TABLE `audit_fts` USING fts5(
  reason, details, type, ip,
  content = 'audit_events', content_rowid = 'id', tokenize = 'unicode61'
);
--> statement-breakpoint
CREATE TRIGGER `audit_fts_insert` AFTER INSERT ON `audit_events`
BEGIN
  INSERT INTO `audit_fts` (rowid, reason, details, type, ip)
  VALUES (new.id, new.reason, new.details, new.type, new.ip);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_fts_delete` AFTER DELETE ON `audit_events`
BEGIN
  INSERT INTO `audit_fts` (`audit_fts`, rowid, reason, details, type, ip)
  VALUES ('delete', old.id, old.reason, old.details, old.type, old.ip);
END;
--> statement-breakpoint
INSERT INTO `audit_fts` (`audit_fts`) VALUES ('rebuild');
