import type * as pg from './postgres/schema.ts';
import type { auditEvents } from './sqlite/schema/audit-events.ts';
import type { impersonations } from './sqlite/schema/impersonations.ts';
import type { jobs } from './sqlite/schema/jobs.ts';
import type { apiKeys, loginTokens, oneClickLinks } from './sqlite/schema/login-links.ts';
import type { organizations } from './sqlite/schema/organizations.ts';
import type { profiles } from './sqlite/schema/profiles.ts';
import type { sessions } from './sqlite/schema/sessions.ts';
import type { users } from './sqlite/schema/users.ts';

/**
 * The rows every store hands the services, whichever database holds them. Written once from
 * the SQLite schema; the checks below fail to compile if the PostgreSQL schema gives any of
 * them another shape, so the two adapters cannot drift apart column by column.
 */
export type UserRow = typeof users.$inferSelect;
export type OrganizationRow = typeof organizations.$inferSelect;
export type ProfileRow = typeof profiles.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ImpersonationRow = typeof impersonations.$inferSelect;
export type OneClickLinkRow = typeof oneClickLinks.$inferSelect;
export type LoginTokenRow = typeof loginTokens.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * A user as a request sees them: every column but the password hash, which only the sign-in and
 * the password change read, each on its own. The per-request lookup never loads it.
 */
export type SessionUser = Omit<UserRow, 'passwordHash'>;

/** A session with its user, active profile and that profile's organization: one indexed lookup. */
export interface SessionLookup {
  session: SessionRow;
  user: SessionUser | null;
  profile: ProfileRow | null;
  organization: OrganizationRow | null;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type RowsMatch = [
  Assert<Same<UserRow, typeof pg.users.$inferSelect>>,
  Assert<Same<OrganizationRow, typeof pg.organizations.$inferSelect>>,
  Assert<Same<ProfileRow, typeof pg.profiles.$inferSelect>>,
  Assert<Same<SessionRow, typeof pg.sessions.$inferSelect>>,
  Assert<Same<ImpersonationRow, typeof pg.impersonations.$inferSelect>>,
  Assert<Same<OneClickLinkRow, typeof pg.oneClickLinks.$inferSelect>>,
  Assert<Same<LoginTokenRow, typeof pg.loginTokens.$inferSelect>>,
  Assert<Same<ApiKeyRow, typeof pg.apiKeys.$inferSelect>>,
  // Not handed to services, but both adapters write and claim the same job.
  Assert<Same<typeof jobs.$inferSelect, typeof pg.jobs.$inferSelect>>,
  // Audit details differ on purpose: text on PostgreSQL (the hash covers the stored bytes).
  Assert<
    Same<
      Omit<typeof auditEvents.$inferSelect, 'details'>,
      Omit<typeof pg.auditEvents.$inferSelect, 'details'>
    >
  >,
];
