-- The live sessions a credential opened for a system, by credential: withdrawing one revokes
-- them without reading every session ever made (found by a review).
CREATE INDEX `sessions_opened_by_idx` ON `sessions` (`via_kind`,`via_credential_id`) WHERE "sessions"."via_credential_id" IS NOT NULL AND "sessions"."revoked_at" IS NULL;