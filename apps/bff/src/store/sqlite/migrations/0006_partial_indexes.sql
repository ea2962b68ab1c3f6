DROP INDEX `audit_actor_idx`;--> statement-breakpoint
DROP INDEX `audit_subject_idx`;--> statement-breakpoint
DROP INDEX `audit_org_idx`;--> statement-breakpoint
DROP INDEX `audit_impersonation_idx`;--> statement-breakpoint
CREATE INDEX `audit_actor_idx` ON `audit_events` (`actor_user_id`,`id`) WHERE "audit_events"."actor_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_subject_idx` ON `audit_events` (`subject_user_id`,`id`) WHERE "audit_events"."subject_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_org_idx` ON `audit_events` (`organization_id`,`id`) WHERE "audit_events"."organization_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_impersonation_idx` ON `audit_events` (`impersonation_id`,`id`) WHERE "audit_events"."impersonation_id" IS NOT NULL;--> statement-breakpoint
DROP INDEX `login_attempts_token_idx`;--> statement-breakpoint
DROP INDEX `login_attempts_link_idx`;--> statement-breakpoint
CREATE INDEX `login_attempts_token_idx` ON `login_attempts` (`login_token_id`,`at`) WHERE "login_attempts"."login_token_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `login_attempts_link_idx` ON `login_attempts` (`one_click_link_id`,`at`) WHERE "login_attempts"."one_click_link_id" IS NOT NULL;