-- An organization's people in id order: searches test people against "in these organizations"
-- as a list, read through this index in the order it is kept (SPEC §8b: 100,000 members).
CREATE INDEX `profiles_org_user_idx` ON `profiles` (`organization_id`,`user_id`);
