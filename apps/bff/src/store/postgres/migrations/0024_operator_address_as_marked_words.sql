-- A customer's search leaves an operator's address out (migration 0022, SPEC §4b) and is answered
-- by the full-text index alone again. 0022 kept the address under weight A and had a customer's
-- tsquery ask for the other weights; the GIN index keeps no weights, so it named every event
-- holding a word of the address and PostgreSQL read each back to test its weight: 32 ms for a
-- team's search of a word 100,000 of 200,000 events hold as support's address, against 4.8 ms
-- for staff's (a review). The words now hold an operator's address as words of their own, each
-- after a U+0001 (`audit_operator_address_words`): a character no text search parser keeps in a
-- word and no dictionary writes (unaccent neither), so no tsquery made from typed text
-- (to_tsquery, plainto_tsquery, websearch_to_tsquery) names one. Not `~`: the parser keeps it at
-- the start of a path (`~198` is a file name to it). A customer's query, the words as typed,
-- finds none of them; staff's asks for each word as typed or as an operator's address
-- (`audit_with_operator_addresses`, store/postgres/audit.store.ts); the index answers both alone.
-- A word of the address that the event also holds elsewhere (`1` in the details) is also kept as
-- typed, so a customer still finds the event by it. The index is built again on the new words.
-- Replacing the column rewrites the trail under its lock once, at the migration, as 0014 and 0022
-- did: run `pnpm db:migrate` before new processes start.
CREATE FUNCTION audit_operator_address_words(ip text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN array_to_tsvector(ARRAY(
    SELECT chr(1) || word
    FROM unnest(tsvector_to_array(to_tsvector('onbehalf_words', translate(ip,
      '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
      '                                ')))) AS word));
--> statement-breakpoint
-- A tsquery of typed words (`'198':* & 'checkout'`) with each word also asked for as an
-- operator's address: `( '198':* | '\x01198':* ) & ( 'checkout' | '\x01checkout' )`.
CREATE FUNCTION audit_with_operator_addresses(query tsquery) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN regexp_replace(query::text, '''((?:[^'']|'''')*)''(:[*A-D]*)?',
    '( ''\1''\2 | ''' || chr(1) || '\1''\2 )', 'g')::tsquery;
--> statement-breakpoint
ALTER TABLE audit_events DROP COLUMN words;
--> statement-breakpoint
ALTER TABLE audit_events ADD COLUMN words tsvector GENERATED ALWAYS AS (
  CASE WHEN actor_kind = 'operator' AND ip IS NOT NULL THEN
    strip(to_tsvector('onbehalf_words', translate(
      coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type,
      '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
      '                                ')))
    || audit_operator_address_words(ip)
  ELSE
    strip(to_tsvector('onbehalf_words', translate(
      coalesce(reason, '') || ' ' || coalesce(details, '') || ' ' || type || ' ' || coalesce(ip, ''),
      '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~',
      '                                ')))
  END) STORED;
--> statement-breakpoint
CREATE INDEX audit_search_idx ON audit_events USING gin (words);
