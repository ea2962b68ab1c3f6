-- Running impersonations a credential started, by whom they act as: the person's Account lists
-- a used support token or handover link as in use without reading every impersonation of them.
CREATE INDEX "impersonations_running_handover_idx" ON "impersonations" USING btree ("target_user_id") WHERE "impersonations"."credential_id" IS NOT NULL AND "impersonations"."ended_at" IS NULL;