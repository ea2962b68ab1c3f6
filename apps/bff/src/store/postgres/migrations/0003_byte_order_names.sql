-- Names sort and lower the same on both stores. SQLite compares text byte by byte and its
-- lower() changes ASCII letters only; PostgreSQL's default collation sorts and lowers by the
-- server's locale, so a keyset cursor made of a name ("émile", 12) would page differently, and
-- the team page, the profile chooser and Admin › Users would list people in another order.
-- The "C" collation is byte order, and lower() under it changes ASCII letters only.
-- The trigger that follows a user's name names the column in its WHEN clause, which forbids
-- changing the column's type: it is dropped and made again around the change.
DROP TRIGGER profiles_sort_name_rename ON users;
--> statement-breakpoint
ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE organizations ALTER COLUMN name TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE profiles ALTER COLUMN sort_name TYPE text COLLATE "C";
--> statement-breakpoint
CREATE TRIGGER profiles_sort_name_rename AFTER UPDATE OF name ON users
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION profiles_sort_name_rename();
--> statement-breakpoint
-- Sort names written under the locale's lower() before this migration.
UPDATE profiles SET sort_name = lower(users.name)
  FROM users WHERE users.id = profiles.user_id AND profiles.sort_name <> lower(users.name);
