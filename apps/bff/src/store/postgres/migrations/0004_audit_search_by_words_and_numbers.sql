-- Free-text search of the audit trail finds what SQLite finds. SQLite's FTS5 reads every run of
-- letters and digits as a word, so `placed` finds `order.placed`, `0.1` finds `10.0.0.1` and
-- `acme` finds `jane@acme.test`. PostgreSQL's parser keeps such dotted names, addresses and
-- emails whole, so they were found only by their start. ASCII punctuation becomes spaces before
-- the parser reads the text: what remains are runs of letters and digits. `translate`, not a
-- regular expression, because `[[:alnum:]]` depends on the database's locale (under "C" it cuts
-- "émile" into "mile"); letters and punctuation beyond ASCII are left to the parser, which
-- splits them by the locale as FTS5 does by Unicode.
-- The query (store/postgres/audit.store.ts) uses the same expression, so the planner uses it.
DROP INDEX audit_search_idx;
--> statement-breakpoint
CREATE INDEX audit_search_idx ON audit_events
  USING gin (to_tsvector('simple', translate(
    coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, ''),
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                ')));
