-- Started impersonations not yet ended, by when they end: housekeeping reads the overdue ones
-- (ends_at passed with nobody using them again) and ends each, audited (store/housekeeping.ts).
CREATE INDEX `impersonations_overdue_idx` ON `impersonations` (`ends_at`,`id`) WHERE "impersonations"."ended_at" IS NULL AND "impersonations"."started_at" IS NOT NULL;