-- A repeated read of the trail or the outbox is counted per what it asked (its key names a digest
-- of its details), so that a read asking something else is written in full; the minute's summary
-- says what the repeated read asked. Rows counted before have none, as refusals.
ALTER TABLE `audit_repeats` ADD `asked` text;