CREATE TABLE `impersonations` (
	`id` text PRIMARY KEY NOT NULL,
	`door` text NOT NULL,
	`actor_user_id` integer NOT NULL,
	`actor_profile_id` integer,
	`actor_session_id` text NOT NULL,
	`target_user_id` integer NOT NULL,
	`target_profile_id` integer,
	`organization_id` integer,
	`reason` text,
	`ticket` text,
	`handoff_token_hash` text NOT NULL,
	`handoff_expires_at` integer NOT NULL,
	`handoff_used_at` integer,
	`session_id` text,
	`issued_at` integer NOT NULL,
	`started_at` integer,
	`ends_at` integer,
	`ended_at` integer,
	`end_reason` text,
	FOREIGN KEY (`actor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`actor_profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `impersonations_handoff_unique` ON `impersonations` (`handoff_token_hash`);--> statement-breakpoint
CREATE INDEX `impersonations_target_idx` ON `impersonations` (`target_user_id`,`issued_at`);--> statement-breakpoint
CREATE INDEX `impersonations_actor_session_idx` ON `impersonations` (`actor_session_id`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `impersonation_id` text;