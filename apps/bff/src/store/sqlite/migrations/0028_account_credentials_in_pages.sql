-- A person's links and tokens that may still work, newest first: Account lists them a page at a
-- time (SPEC §8b), each page an index walk from where the one before ended.
CREATE INDEX `login_tokens_live_idx` ON `login_tokens` (`profile_id`,`created_at`,`id`,`expires_at`) WHERE "login_tokens"."deleted_at" IS NULL AND "login_tokens"."used_up_at" IS NULL;--> statement-breakpoint
CREATE INDEX `one_click_live_idx` ON `one_click_links` (`user_id`,`created_at`,`id`,`expires_at`) WHERE "one_click_links"."used_at" IS NULL AND "one_click_links"."revoked_at" IS NULL;