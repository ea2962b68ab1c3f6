ALTER TABLE "audit_repeats" ADD COLUMN "subject_user_id" integer;--> statement-breakpoint
ALTER TABLE "audit_repeats" ADD COLUMN "ip" text;