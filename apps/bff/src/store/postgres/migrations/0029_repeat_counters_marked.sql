-- Each repeat counter row is marked when made, never changed: a process that counted into it
-- tells the same row set back from one another process summarised and a late count made again.
ALTER TABLE "audit_repeats" ADD COLUMN "made" uuid DEFAULT gen_random_uuid() NOT NULL;