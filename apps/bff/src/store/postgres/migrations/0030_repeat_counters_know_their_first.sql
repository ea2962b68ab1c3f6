-- Each repeat counter row says whether the minute's first event was written with it: a summary
-- counts a row's counts as repeats but that first, so a row made while another process was
-- summarising the minute loses none. Rows counted before this: one per counter and minute was
-- taken to hold the first, as the summaries then took one off per counter and minute.
ALTER TABLE "audit_repeats" ADD COLUMN "first" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "audit_repeats" SET "first" = true WHERE ("key", "minute", "stripe") IN (SELECT DISTINCT ON ("key", "minute") "key", "minute", "stripe" FROM "audit_repeats" ORDER BY "key", "minute", "stripe");
