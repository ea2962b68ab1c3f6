CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"organization_ids" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"created_by_user_id" integer NOT NULL,
	"expires_at" bigint NOT NULL,
	"last_used_at" bigint,
	"revoked_at" bigint
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"id" serial PRIMARY KEY NOT NULL,
	"pruned_through_id" bigint NOT NULL,
	"last_hash" text NOT NULL,
	"pruned_at" bigint NOT NULL,
	"retention_days" integer NOT NULL,
	"prev_hash" text,
	"hash" text
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"type" text NOT NULL,
	"actor_user_id" integer,
	"actor_kind" text,
	"subject_user_id" integer,
	"organization_id" integer,
	"session_id" text,
	"impersonation_id" text,
	"ip" text,
	"user_agent" text,
	"request_id" text,
	"reason" text,
	"details" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"keyed" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_head" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_id" bigint DEFAULT 0 NOT NULL,
	"last_hash" text NOT NULL,
	"keyed" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_repeats" (
	"key" text NOT NULL,
	"minute" bigint NOT NULL,
	"type" text NOT NULL,
	"actor_user_id" integer,
	"actor_kind" text,
	"organization_id" integer,
	"rule" text NOT NULL,
	"count" integer NOT NULL,
	"last_at" bigint NOT NULL,
	CONSTRAINT "audit_repeats_key_minute_pk" PRIMARY KEY("key","minute")
);
--> statement-breakpoint
CREATE TABLE "impersonations" (
	"id" text PRIMARY KEY NOT NULL,
	"door" text NOT NULL,
	"actor_user_id" integer NOT NULL,
	"actor_profile_id" integer,
	"actor_session_id" text NOT NULL,
	"target_user_id" integer NOT NULL,
	"target_profile_id" integer,
	"organization_id" integer,
	"reason" text,
	"ticket" text,
	"handoff_token_hash" text NOT NULL,
	"handoff_expires_at" bigint NOT NULL,
	"handoff_used_at" bigint,
	"session_id" text,
	"issued_at" bigint NOT NULL,
	"started_at" bigint,
	"ends_at" bigint,
	"ended_at" bigint,
	"end_reason" text,
	"credential_kind" text,
	"credential_id" text
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" serial PRIMARY KEY NOT NULL,
	"organization_id" integer NOT NULL,
	"number" text NOT NULL,
	"status" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"issued_at" bigint NOT NULL,
	"due_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" text NOT NULL,
	"run_at" bigint NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"locked_until" bigint,
	"done_at" bigint,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "login_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"one_click_link_id" text,
	"login_token_id" integer,
	"user_id" integer,
	"at" bigint NOT NULL,
	"outcome" text NOT NULL,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "login_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"secret_hash" text,
	"profile_id" integer,
	"created_at" bigint NOT NULL,
	"created_by_user_id" integer,
	"created_by_api_key_id" text,
	"expires_at" bigint NOT NULL,
	"one_time_use" boolean NOT NULL,
	"extra" text,
	"used_up_at" bigint,
	"deleted_at" bigint,
	"successful_attempts" integer DEFAULT 0 NOT NULL,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"last_accessed_at" bigint,
	"use" text,
	"reason" text,
	"ticket" text,
	"credential_fingerprint" text,
	"revoked_reason" text
);
--> statement-breakpoint
CREATE TABLE "one_click_links" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint,
	"revoked_at" bigint,
	"credential_fingerprint" text NOT NULL,
	"created_by_user_id" integer,
	"created_by_api_key_id" text,
	"delivery" text DEFAULT 'email' NOT NULL,
	"purpose" text DEFAULT 'delivered' NOT NULL,
	"profile_id" integer,
	"reason" text,
	"ticket" text,
	"revoked_reason" text
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"organization_id" integer NOT NULL,
	"number" text NOT NULL,
	"title" text NOT NULL,
	"status" text NOT NULL,
	"quantity" integer NOT NULL,
	"total_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"placed_by_profile_id" integer,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"impersonation_enabled" boolean DEFAULT false NOT NULL,
	"impersonation_max_minutes" integer DEFAULT 60 NOT NULL,
	"self_service_links_enabled" boolean DEFAULT true NOT NULL,
	"integrations_enabled" boolean DEFAULT false NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"to" text NOT NULL,
	"from" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text NOT NULL,
	"kind" text NOT NULL,
	"sealed" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"organization_id" integer NOT NULL,
	"role" text NOT NULL,
	"permissions" jsonb NOT NULL,
	"allow_team_impersonation" boolean DEFAULT true NOT NULL,
	"created_at" bigint NOT NULL,
	"sort_name" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"user_id" integer,
	"profile_id" integer,
	"method" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"ip" text,
	"user_agent" text,
	"revoked_at" bigint,
	"revoked_reason" text,
	"impersonation_id" text,
	"via_kind" text,
	"via_credential_id" text
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"sealed_private_jwk" text NOT NULL,
	"created_at" bigint NOT NULL,
	"retired_at" bigint
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"password_changed_at" bigint,
	"status" text DEFAULT 'active' NOT NULL,
	"kind" text NOT NULL,
	"operator_role" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "impersonations" ADD CONSTRAINT "impersonations_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impersonations" ADD CONSTRAINT "impersonations_actor_profile_id_profiles_id_fk" FOREIGN KEY ("actor_profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impersonations" ADD CONSTRAINT "impersonations_target_user_id_users_id_fk" FOREIGN KEY ("target_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impersonations" ADD CONSTRAINT "impersonations_target_profile_id_profiles_id_fk" FOREIGN KEY ("target_profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impersonations" ADD CONSTRAINT "impersonations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "login_tokens" ADD CONSTRAINT "login_tokens_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "one_click_links" ADD CONSTRAINT "one_click_links_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "one_click_links" ADD CONSTRAINT "one_click_links_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_placed_by_profile_id_profiles_id_fk" FOREIGN KEY ("placed_by_profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_type_idx" ON "audit_events" USING btree ("type","id");--> statement-breakpoint
CREATE INDEX "audit_actor_idx" ON "audit_events" USING btree ("actor_user_id","id") WHERE "audit_events"."actor_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_subject_idx" ON "audit_events" USING btree ("subject_user_id","id") WHERE "audit_events"."subject_user_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_org_idx" ON "audit_events" USING btree ("organization_id","id") WHERE "audit_events"."organization_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_impersonation_idx" ON "audit_events" USING btree ("impersonation_id","id") WHERE "audit_events"."impersonation_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_repeats_minute_idx" ON "audit_repeats" USING btree ("minute");--> statement-breakpoint
CREATE INDEX "impersonations_target_idx" ON "impersonations" USING btree ("target_user_id","issued_at");--> statement-breakpoint
CREATE INDEX "impersonations_actor_session_idx" ON "impersonations" USING btree ("actor_session_id");--> statement-breakpoint
CREATE INDEX "invoices_org_issued_idx" ON "invoices" USING btree ("organization_id","issued_at");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("run_at") WHERE "jobs"."done_at" IS NULL;--> statement-breakpoint
CREATE INDEX "login_attempts_token_idx" ON "login_attempts" USING btree ("login_token_id","at") WHERE "login_attempts"."login_token_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "login_attempts_link_idx" ON "login_attempts" USING btree ("one_click_link_id","at") WHERE "login_attempts"."one_click_link_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "login_tokens_expires_idx" ON "login_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "login_tokens_profile_idx" ON "login_tokens" USING btree ("profile_id") WHERE "login_tokens"."profile_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "one_click_secret_unique" ON "one_click_links" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "one_click_user_idx" ON "one_click_links" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "orders_org_created_idx" ON "orders" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_to_idx" ON "outbox_messages" USING btree ("to","id");--> statement-breakpoint
CREATE UNIQUE INDEX "profiles_user_org_unique" ON "profiles" USING btree ("user_id","organization_id");--> statement-breakpoint
CREATE INDEX "profiles_org_name_idx" ON "profiles" USING btree ("organization_id","sort_name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_unique" ON "sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "sessions_user_live_idx" ON "sessions" USING btree ("user_id","revoked_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_lower_unique" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_name_idx" ON "users" USING btree (lower("name"),"id");