-- Search ignores accents, as on SQLite, whose FTS5 tokenizer (unicode61) folds them: "emile"
-- finds "Émile" and "Émile" finds "emile", in people and in the audit trail. The `unaccent`
-- dictionary (a trusted extension shipped with PostgreSQL) strips them before `simple` lowers
-- the word; the configuration names it, so the index expressions stay immutable. The queries
-- (store/postgres/search.ts) read with the same configuration.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION onbehalf_words (COPY = simple);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION onbehalf_words
  ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart
  WITH unaccent, simple;
--> statement-breakpoint
DROP INDEX users_search_idx;
--> statement-breakpoint
CREATE INDEX users_search_idx ON users
  USING gin (to_tsvector('onbehalf_words', translate(name || ' ' || email,
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                ')));
--> statement-breakpoint
DROP INDEX audit_search_idx;
--> statement-breakpoint
CREATE INDEX audit_search_idx ON audit_events
  USING gin (to_tsvector('onbehalf_words', translate(
    coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, ''),
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                ')));
