-- Every key a process signs session JWTs with is published by every process (SPEC §11: the
-- same JWKS from each), a key from SESSION_SIGNING_JWK too: its row holds the public half only
-- (sealed_private_jwk null), sealed with ONBEHALF_SECRET so that no one without the secret adds
-- a key to the JWKS, and last_seen_at says when a process signing with it last said so.
ALTER TABLE "signing_keys" ALTER COLUMN "sealed_private_jwk" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "signing_keys" ADD COLUMN "sealed_public_jwk" text;--> statement-breakpoint
ALTER TABLE "signing_keys" ADD COLUMN "last_seen_at" bigint;