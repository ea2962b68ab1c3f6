-- A database a test-mode start marked (the settings row 'test_database') takes test people
-- only, whoever writes: test mode's made-up operators may act as anyone it holds. The services
-- refuse first (features/test-mode/test-people.ts); this is the database's own word, for a
-- command (`pnpm cli create-operator`) writing beside a test-mode start. Answered 422
-- test_addresses_only (store/database-refusals.ts).
CREATE TRIGGER `users_test_people_only` BEFORE INSERT ON `users`
WHEN lower(NEW.email) NOT LIKE '%.test' AND EXISTS (SELECT 1 FROM settings WHERE key = 'test_database')
BEGIN
  SELECT RAISE(ABORT, 'test_addresses_only');
END;
--> statement-breakpoint
CREATE TRIGGER `users_test_people_only_readdressed` BEFORE UPDATE OF email ON `users`
WHEN lower(NEW.email) NOT LIKE '%.test' AND EXISTS (SELECT 1 FROM settings WHERE key = 'test_database')
BEGIN
  SELECT RAISE(ABORT, 'test_addresses_only');
END;
