-- What the database itself holds to, whoever writes to it (the SQLite migrations 0004, 0009 and
-- 0010 hold the same): the audit trail and its checkpoints are append-only, a profile's sort
-- name follows its user's name, and people and events are searched through indexes.

-- The audit trail is append-only. Only the retention prune removes old events, inside its own
-- transaction, after `SET LOCAL onbehalf.audit_prune = 'on'` (store/postgres/audit.ts).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
     AND current_setting('onbehalf.audit_prune', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
--> statement-breakpoint
-- The chain's head: one row, locked by every append. Genesis until the first event.
INSERT INTO audit_head (id, last_id, last_hash, keyed)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', false);
--> statement-breakpoint
-- A profile's sort name follows its user's name, whoever writes either.
CREATE FUNCTION profiles_sort_name_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.sort_name := (SELECT lower(name) FROM users WHERE id = NEW.user_id);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER profiles_sort_name_insert BEFORE INSERT ON profiles
  FOR EACH ROW EXECUTE FUNCTION profiles_sort_name_insert();
--> statement-breakpoint
CREATE FUNCTION profiles_sort_name_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE profiles SET sort_name = lower(NEW.name) WHERE user_id = NEW.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER profiles_sort_name_rename AFTER UPDATE OF name ON users
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION profiles_sort_name_rename();
--> statement-breakpoint
-- People are found by any word of their name or email, or its start (`word:*`), through an
-- index: team members, coworkers, Admin › Users and the login token popup search it.
CREATE INDEX users_search_idx ON users
  USING gin (to_tsvector('simple', name || ' ' || translate(email, '@.', '  ')));
--> statement-breakpoint
-- Free-text search of the audit trail (reason, details, type, address) through an index.
CREATE INDEX audit_search_idx ON audit_events
  USING gin (to_tsvector('simple',
    coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, '')));
