-- A database a test-mode start marked (the settings row 'test_database') takes test people
-- only, whoever writes: test mode's made-up operators may act as anyone it holds. The services
-- refuse first (features/test-mode/test-people.ts); this is the database's own word, so that a
-- person created by another process while a test-mode start marks the database is refused too
-- (the mark takes the users table in SHARE mode, so creations under way are seen before it and
-- those after it meet this). SQLSTATE OB001 is answered 422 test_addresses_only
-- (store/database-refusals.ts).
CREATE FUNCTION onbehalf_test_people_only() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF lower(NEW.email) NOT LIKE '%.test'
     AND EXISTS (SELECT 1 FROM settings WHERE key = 'test_database') THEN
    RAISE EXCEPTION 'test_addresses_only: this test database takes addresses in .test only'
      USING ERRCODE = 'OB001';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_test_people_only BEFORE INSERT OR UPDATE OF email ON users
  FOR EACH ROW EXECUTE FUNCTION onbehalf_test_people_only();
