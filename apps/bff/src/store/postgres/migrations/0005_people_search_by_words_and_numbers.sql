-- People are found as on SQLite, whose FTS5 reads every run of letters and digits as a word.
-- PostgreSQL's parser read `member-1-x@example.test` with `-1` as a signed number, so typing the
-- whole address found nobody; ASCII punctuation now becomes spaces first, as for the audit trail
-- (migration 0004). The query (store/postgres/search.ts, `wordsOf`) uses the same expression.
DROP INDEX users_search_idx;
--> statement-breakpoint
CREATE INDEX users_search_idx ON users
  USING gin (to_tsvector('simple', translate(name || ' ' || email,
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                ')));
