-- Migrations 0009 and 0010 built the full-text indexes of an existing database with 'rebuild',
-- which leaves the right terms in large segments that FTS5's automerge then folds in at later
-- writes: on a trail of a million events, appends cost three to five times their usual time
-- for tens of thousands of events after the upgrade. 'optimize' merges each index into one
-- segment now (under a second per million rows), once.
INSERT INTO `audit_fts` (`audit_fts`) VALUES ('optimize');--> statement-breakpoint
INSERT INTO `users_fts` (`users_fts`) VALUES ('optimize');
