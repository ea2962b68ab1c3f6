CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by_user_id` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`one_click_link_id` text,
	`login_token_id` integer,
	`user_id` integer,
	`at` integer NOT NULL,
	`outcome` text NOT NULL,
	`ip` text,
	`user_agent` text
);
--> statement-breakpoint
CREATE INDEX `login_attempts_token_idx` ON `login_attempts` (`login_token_id`,`at`);--> statement-breakpoint
CREATE INDEX `login_attempts_link_idx` ON `login_attempts` (`one_click_link_id`,`at`);--> statement-breakpoint
CREATE TABLE `login_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`secret_hash` text,
	`profile_id` integer,
	`created_at` integer NOT NULL,
	`created_by_user_id` integer,
	`created_by_api_key_id` text,
	`expires_at` integer NOT NULL,
	`one_time_use` integer NOT NULL,
	`extra` text,
	`used_up_at` integer,
	`deleted_at` integer,
	`successful_attempts` integer DEFAULT 0 NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`last_accessed_at` integer,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `login_tokens_expires_idx` ON `login_tokens` (`expires_at`);--> statement-breakpoint
CREATE TABLE `one_click_links` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	`credential_fingerprint` text NOT NULL,
	`created_by_user_id` integer,
	`created_by_api_key_id` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `one_click_secret_unique` ON `one_click_links` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `one_click_user_idx` ON `one_click_links` (`user_id`);