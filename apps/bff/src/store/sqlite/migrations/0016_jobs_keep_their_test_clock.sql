-- Test mode: a job runs on the clock of the request that wrote it, on whichever process takes
-- it (SPEC §11, §12). Null outside test mode.
ALTER TABLE `jobs` ADD `test_clock` text;
