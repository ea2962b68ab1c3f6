-- Test mode's clocks, shared by every process of a server in test mode (SPEC §11, §12): how far
-- each test has moved its own clock forward. Empty outside test mode.
CREATE TABLE `test_clocks` (
	`namespace` text PRIMARY KEY NOT NULL,
	`offset_ms` integer NOT NULL
);
