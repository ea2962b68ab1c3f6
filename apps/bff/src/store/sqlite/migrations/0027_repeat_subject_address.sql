ALTER TABLE `audit_repeats` ADD `subject_user_id` integer;--> statement-breakpoint
ALTER TABLE `audit_repeats` ADD `ip` text;