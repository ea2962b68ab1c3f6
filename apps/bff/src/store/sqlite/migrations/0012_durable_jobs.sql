CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`run_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`done_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`run_at`) WHERE "jobs"."done_at" IS NULL;