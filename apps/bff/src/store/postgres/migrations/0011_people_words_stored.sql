-- Each person's words are stored with them, computed by PostgreSQL as the row is written, from
-- the expression the full-text index was built on (migrations 0005, 0006). A search that walks
-- people in name order tests each one it passes: computing the words again took 8-10 µs a
-- person, 0.3 s to pass 32,000 names before those a first name finds (ADR 031); reading them
-- takes about a microsecond. The index moves to the column, the same words in it.
ALTER TABLE users ADD COLUMN words tsvector
  GENERATED ALWAYS AS (to_tsvector('onbehalf_words', translate(name || ' ' || email,
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                '))) STORED;
--> statement-breakpoint
DROP INDEX users_search_idx;
--> statement-breakpoint
CREATE INDEX users_search_idx ON users USING gin (words);
