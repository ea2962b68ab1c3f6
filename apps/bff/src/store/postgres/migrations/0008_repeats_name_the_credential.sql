-- Repeated refusals in an integration's session are counted per credential, and the minute's
-- summary names it, as every event written in such a session does.
ALTER TABLE "audit_repeats" ADD COLUMN "via" text;
