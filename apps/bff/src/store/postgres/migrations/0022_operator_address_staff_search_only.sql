-- An operator's address is not a customer's to see (the team's trail shows it as null,
-- store/postgres/audit.store.ts, SPEC §4b), so it is not theirs to search by either: an
-- event's words held its address whoever acted, and a team admin found support's events by
-- searching a guess of its address, confirmed a part at a time. As SQLite keeps it in a column
-- of its own (migration 0025 there), the words keep an operator's address under weight A, the
-- rest stripped as before (migration 0014); a customer's search asks for the other weights
-- (`'198':*BCD`), which a stripped word always matches and a word of weight A alone never does;
-- staff's asks for any. A word of the address that the event also holds elsewhere (`1` in the
-- details) is kept stripped only: its weight A would hide it from the customer, who may find the
-- event by it. The index is built again on the new words. Adding the column rewrites the trail
-- under its lock once, at the migration, as 0014 did: run `pnpm db:migrate` before new processes
-- start.
ALTER TABLE audit_events DROP COLUMN words;
--> statement-breakpoint
ALTER TABLE audit_events ADD COLUMN words tsvector GENERATED ALWAYS AS (
  CASE WHEN actor_kind = 'operator' AND ip IS NOT NULL THEN
    strip(to_tsvector('onbehalf_words', translate(
      coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type,
      '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
      '                                ')))
    || setweight(ts_delete(
      to_tsvector('onbehalf_words', translate(ip,
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
        '                                ')),
      tsvector_to_array(to_tsvector('onbehalf_words', translate(
        coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type,
        '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
        '                                ')))), 'A')
  ELSE
    strip(to_tsvector('onbehalf_words', translate(
      coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, ''),
      '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
      '                                ')))
  END) STORED;
--> statement-breakpoint
CREATE INDEX audit_search_idx ON audit_events USING gin (words);
