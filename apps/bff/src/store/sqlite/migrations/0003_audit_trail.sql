CREATE TABLE `audit_checkpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pruned_through_id` integer NOT NULL,
	`last_hash` text NOT NULL,
	`pruned_at` integer NOT NULL,
	`retention_days` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_impersonation_idx` ON `audit_events` (`impersonation_id`,`id`);