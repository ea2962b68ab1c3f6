-- Rate-limit budgets that every process counts in (SPEC §11), in the shape
-- rate-limiter-flexible's PostgreSQL store reads and writes (store/postgres/rate-limits.ts).
-- The key is text, not varchar(255): a key holds a rule, an email address and an address.
CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
--> statement-breakpoint
CREATE INDEX rate_limits_expire_idx ON rate_limits (expire);
