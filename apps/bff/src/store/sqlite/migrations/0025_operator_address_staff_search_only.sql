-- An operator's address is not a customer's to see (the team's trail shows it as null,
-- store/sqlite/audit.store.ts, SPEC §4b), so it is not theirs to search by either: the index
-- held every event's address in one column, and a team admin found support's events by
-- searching a guess of its address, confirmed a part at a time. The index now keeps an
-- operator's address in a column of its own, `operator_ip`, which a customer's search excludes
-- (`- operator_ip : (…)`) and staff's reads with the rest; every other address stays in `ip`.
-- The index reads the trail through `audit_search_text`, the trail as the index sees it, so
-- that 'rebuild' and 'integrity-check' still compare the two.
DROP TRIGGER `audit_fts_delete`;
--> statement-breakpoint
DROP TABLE `audit_fts`;
--> statement-breakpoint
CREATE VIEW `audit_search_text` AS
  SELECT `id`, `reason`, `details`, `type`,
    CASE WHEN `actor_kind` = 'operator' THEN NULL ELSE `ip` END AS `ip`,
    CASE WHEN `actor_kind` = 'operator' THEN `ip` END AS `operator_ip`
  FROM `audit_events`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `audit_fts` USING fts5(
  reason, details, type, ip, operator_ip,
  content = 'audit_search_text', content_rowid = 'id', tokenize = 'unicode61', prefix = '1 2 3'
);
--> statement-breakpoint
-- Empty: the trail is indexed again in batches, behind the server's answers, as after
-- migration 0018; a search meanwhile indexes what it needs first.
UPDATE `audit_search_progress` SET `indexed_through` = 0;
--> statement-breakpoint
-- The values indexed, which FTS5 needs to take an event out: the view's, from the row deleted.
CREATE TRIGGER `audit_fts_delete` AFTER DELETE ON `audit_events`
WHEN old.id <= (SELECT `indexed_through` FROM `audit_search_progress`)
BEGIN
  INSERT INTO `audit_fts` (`audit_fts`, rowid, reason, details, type, ip, operator_ip)
  VALUES ('delete', old.id, old.reason, old.details, old.type,
    CASE WHEN old.actor_kind = 'operator' THEN NULL ELSE old.ip END,
    CASE WHEN old.actor_kind = 'operator' THEN old.ip END);
END;
