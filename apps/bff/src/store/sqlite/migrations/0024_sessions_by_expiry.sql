-- Sessions by their absolute expiry: housekeeping deletes those long dead (domain/sessions.ts
-- keptAfterExpiryMs), a batch at a time.
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);