-- Running impersonations by the credential that started them and by who acts: a withdrawal, a
-- maker's lost right and a disabled person end them without reading every impersonation run.
CREATE INDEX "impersonations_running_credential_idx" ON "impersonations" USING btree ("credential_kind","credential_id") WHERE "impersonations"."credential_id" IS NOT NULL AND "impersonations"."ended_at" IS NULL;--> statement-breakpoint
CREATE INDEX "impersonations_running_actor_idx" ON "impersonations" USING btree ("actor_user_id") WHERE "impersonations"."ended_at" IS NULL;