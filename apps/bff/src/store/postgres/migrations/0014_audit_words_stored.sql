-- Each event's words are stored with it, computed by PostgreSQL as the row is written, from the
-- expression the full-text index was built on (migration 0004). A free-text search that many
-- events match walks the trail newest first and tests each event it passes: computing the words
-- again took about 15 µs an event, 0.3-0.4 s for a read that passes 20,000 events holding none
-- of them (the newest events of a busy trail, after a common prefix such as `sign`); reading
-- them takes about a microsecond. Stripped of positions (about 115 bytes an event, not 170): a
-- search asks for words and their starts, never a phrase. The index moves to the column, the
-- same words in it. Adding the column rewrites the trail under its lock once, at the migration
-- (tens of seconds at a million events): run `pnpm db:migrate` before new processes start.
ALTER TABLE audit_events ADD COLUMN words tsvector
  GENERATED ALWAYS AS (strip(to_tsvector('onbehalf_words', translate(
    coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, ''),
    '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
    '                                ')))) STORED;
--> statement-breakpoint
DROP INDEX audit_search_idx;
--> statement-breakpoint
CREATE INDEX audit_search_idx ON audit_events USING gin (words);
