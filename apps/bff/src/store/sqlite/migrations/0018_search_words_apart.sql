-- A search now looks for each piece of what was typed on its own, the last piece of each word
-- as a prefix (store/search-words.ts, ADR 034). FTS5 gathers every match of a prefix into one
-- list before answering, unless the prefix's length is indexed: one letter was 60-90 ms at
-- 300,000 events, a few milliseconds with it. Both indexes keep prefixes of 1 to 3 letters.
DROP TRIGGER `audit_fts_delete`;
--> statement-breakpoint
DROP TABLE `audit_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `audit_fts` USING fts5(
  reason, details, type, ip,
  content = 'audit_events', content_rowid = 'id', tokenize = 'unicode61', prefix = '1 2 3'
);
--> statement-breakpoint
-- Empty: the trail is indexed again in batches, behind the server's answers, as new events are
-- (migration 0013); a search meanwhile indexes what it needs first.
UPDATE `audit_search_progress` SET `indexed_through` = 0;
--> statement-breakpoint
CREATE TRIGGER `audit_fts_delete` AFTER DELETE ON `audit_events`
WHEN old.id <= (SELECT `indexed_through` FROM `audit_search_progress`)
BEGIN
  INSERT INTO `audit_fts` (`audit_fts`, rowid, reason, details, type, ip)
  VALUES ('delete', old.id, old.reason, old.details, old.type, old.ip);
END;
--> statement-breakpoint
DROP TRIGGER `users_fts_insert`;
--> statement-breakpoint
DROP TRIGGER `users_fts_update`;
--> statement-breakpoint
DROP TRIGGER `users_fts_delete`;
--> statement-breakpoint
DROP TABLE `users_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `users_fts` USING fts5(
  name, email,
  content = 'users', content_rowid = 'id', tokenize = 'unicode61', prefix = '1 2 3'
);
--> statement-breakpoint
CREATE TRIGGER `users_fts_insert` AFTER INSERT ON `users`
BEGIN
  INSERT INTO `users_fts` (rowid, name, email) VALUES (new.`id`, new.`name`, new.`email`);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_update` AFTER UPDATE OF `name`, `email` ON `users`
BEGIN
  INSERT INTO `users_fts` (`users_fts`, rowid, name, email) VALUES ('delete', old.`id`, old.`name`, old.`email`);
  INSERT INTO `users_fts` (rowid, name, email) VALUES (new.`id`, new.`name`, new.`email`);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_delete` AFTER DELETE ON `users`
BEGIN
  INSERT INTO `users_fts` (`users_fts`, rowid, name, email) VALUES ('delete', old.`id`, old.`name`, old.`email`);
END;
--> statement-breakpoint
INSERT INTO `users_fts` (`users_fts`) VALUES ('rebuild');
--> statement-breakpoint
INSERT INTO `users_fts` (`users_fts`) VALUES ('optimize');
