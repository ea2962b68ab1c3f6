-- "Do few rows hold these words?" is asked of the full-text index only. With the words stored
-- (migrations 0011, 0014) a row costs about a microsecond to test, so PostgreSQL may read a
-- table in order (or an index in its order, testing each row) until it has the LIMIT's rows:
-- for words few rows hold, the whole table (0.2 s at a million audit events, growing with
-- it), where the index answers in about a millisecond. A function's own settings hold for its
-- statement only and cost no round trip; PL/pgSQL keeps its plan per connection.
CREATE FUNCTION users_matching(query tsquery, most integer) RETURNS TABLE (id integer)
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off
AS $$
BEGIN
  RETURN QUERY SELECT u.id FROM users u WHERE u.words @@ query LIMIT most;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_events_matching(query tsquery, most integer) RETURNS TABLE (id bigint)
  LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_indexscan = off
AS $$
BEGIN
  RETURN QUERY SELECT e.id FROM audit_events e WHERE e.words @@ query LIMIT most;
END
$$;
