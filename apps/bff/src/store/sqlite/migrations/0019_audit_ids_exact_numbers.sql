-- Event ids stay within what a JavaScript number names exactly. Verification reads the trail by
-- id ranges, so an event planted far beyond them (2^62, say) would be left unread, and with
-- AUTOINCREMENT every event written after it would carry an id that reads round. The product
-- never comes near; an insert beyond is refused.
CREATE TRIGGER `audit_events_id_exact` AFTER INSERT ON `audit_events`
WHEN new.id NOT BETWEEN -9007199254740991 AND 9007199254740991
BEGIN
  SELECT RAISE(ABORT, 'audit event ids stay within 2^53');
END;
