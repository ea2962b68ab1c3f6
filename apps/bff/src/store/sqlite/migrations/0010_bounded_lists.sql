DROP INDEX `profiles_org_idx`;--> statement-breakpoint
ALTER TABLE `profiles` ADD `sort_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `profiles_org_name_idx` ON `profiles` (`organization_id`,`sort_name`,`id`);--> statement-breakpoint
DROP INDEX `sessions_user_idx`;--> statement-breakpoint
CREATE INDEX `sessions_user_live_idx` ON `sessions` (`user_id`,`revoked_at`,`id`);--> statement-breakpoint
CREATE INDEX `users_name_idx` ON `users` (lower("name"),`id`);--> statement-breakpoint
UPDATE `profiles` SET `sort_name` = (SELECT lower(`name`) FROM `users` WHERE `users`.`id` = `profiles`.`user_id`);
--> statement-breakpoint
-- A profile's sort name follows its user's name, whoever writes either.
CREATE TRIGGER `profiles_sort_name_insert` AFTER INSERT ON `profiles`
BEGIN
  UPDATE `profiles` SET `sort_name` = (SELECT lower(`name`) FROM `users` WHERE `id` = new.`user_id`)
  WHERE `id` = new.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `profiles_sort_name_rename` AFTER UPDATE OF `name` ON `users`
BEGIN
  UPDATE `profiles` SET `sort_name` = lower(new.`name`) WHERE `user_id` = new.`id`;
END;
--> statement-breakpoint
-- People are found by any word of their name or email, or its start, through an index:
-- team members, coworkers, Admin › Users and the login token popup search it.
CREATE VIRTUAL TABLE `users_fts` USING fts5(
  name, email,
  content = 'users', content_rowid = 'id', tokenize = 'unicode61', prefix = '2 3'
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
