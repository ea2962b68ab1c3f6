CREATE TABLE `audit_repeats` (
	`key` text NOT NULL,
	`minute` integer NOT NULL,
	`type` text NOT NULL,
	`actor_user_id` integer,
	`actor_kind` text,
	`organization_id` integer,
	`rule` text NOT NULL,
	`count` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`key`, `minute`)
);
--> statement-breakpoint
CREATE INDEX `audit_repeats_minute_idx` ON `audit_repeats` (`minute`);--> statement-breakpoint
ALTER TABLE `impersonations` ADD `credential_kind` text;--> statement-breakpoint
ALTER TABLE `impersonations` ADD `credential_id` text;--> statement-breakpoint
-- Keys made before keys had organizations act for none until re-created.
ALTER TABLE `api_keys` ADD `organization_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `expires_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `api_keys` SET `expires_at` = `created_at` + 90 * 86400000;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `use` text;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `ticket` text;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `credential_fingerprint` text;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `revoked_reason` text;--> statement-breakpoint
-- Tokens for a person made before this migration were handed to whoever made them: from now on
-- they are what they were used for, integrations (punch-out), under the integration rules.
UPDATE `login_tokens` SET `use` = 'integration' WHERE `profile_id` IS NOT NULL;--> statement-breakpoint
CREATE INDEX `login_tokens_profile_idx` ON `login_tokens` (`profile_id`) WHERE "login_tokens"."profile_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `delivery` text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `purpose` text DEFAULT 'delivered' NOT NULL;--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `profile_id` integer REFERENCES profiles(id);--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `ticket` text;--> statement-breakpoint
ALTER TABLE `one_click_links` ADD `revoked_reason` text;--> statement-breakpoint
-- Links an operator or a key was shown before this migration are withdrawn (they live an hour
-- at most): from now on such a link is an impersonation, with a reason, or an integration's.
UPDATE `one_click_links` SET `revoked_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000, `revoked_reason` = 'maker_lost_right'
  WHERE `used_at` IS NULL AND `revoked_at` IS NULL AND (`created_by_user_id` IS NOT NULL OR `created_by_api_key_id` IS NOT NULL);--> statement-breakpoint
ALTER TABLE `organizations` ADD `integrations_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `outbox_messages` ADD `sealed` text;--> statement-breakpoint
-- Messages written before bodies were sealed hold live links in plain text.
DELETE FROM `outbox_messages`;--> statement-breakpoint
ALTER TABLE `sessions` ADD `via_kind` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `via_credential_id` text;