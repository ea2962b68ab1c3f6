-- Each connection counts repeated reads and refusals into a row of its own (its backend's pid),
-- so that readers paging at once never wait on one row for each other's commit; a closed
-- minute's rows are summed into its summary. Existing rows become connection 0's.
ALTER TABLE "audit_repeats" ADD COLUMN "stripe" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_repeats" DROP CONSTRAINT "audit_repeats_key_minute_pk";--> statement-breakpoint
ALTER TABLE "audit_repeats" ADD CONSTRAINT "audit_repeats_key_minute_stripe_pk" PRIMARY KEY("key","minute","stripe");
