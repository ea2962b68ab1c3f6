-- Event ids stay within what a JavaScript number names exactly. Verification reads the trail by
-- id ranges, so an event planted far beyond them (2^62, say) would be left unread, and the
-- events written after it would carry ids that reads round. The product never comes near; an
-- insert beyond is refused. Checking the rows already there reads the table once, under the
-- migration's lock (about a second per few million events).
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_id_exact" CHECK ("audit_events"."id" BETWEEN -9007199254740991 AND 9007199254740991);
