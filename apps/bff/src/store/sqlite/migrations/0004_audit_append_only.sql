-- The audit trail is append-only: the application never updates or deletes an event.
-- Only the retention prune removes old events, and it does so by dropping and re-creating
-- the delete guard inside its own transaction (see lib/audit-chain.ts).
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events`
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_events_no_delete` BEFORE DELETE ON `audit_events`
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only');
END;
