import { z } from 'zod';
import { isoDateTime, nextCursor, searchPageQuery } from './common.ts';
import { credentialKind, credentialMaker } from './login-links.ts';
import { operatorRole, permission, profileRole } from './permissions.ts';

export const signInMethods = ['password', 'one_click', 'login_token', 'impersonation'] as const;
export const signInMethod = z.enum(signInMethods);
export type SignInMethod = z.infer<typeof signInMethod>;

export const signInBody = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});
export type SignInBody = z.infer<typeof signInBody>;

export const userKind = z.enum(['customer', 'operator']);
export const userStatus = z.enum(['active', 'disabled']);

export const userSummary = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  kind: userKind,
  operatorRole: operatorRole.nullable(),
});
export type UserSummary = z.infer<typeof userSummary>;

export const organizationKind = z.enum(['company', 'personal']);
export const organizationSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: organizationKind,
});
export type OrganizationSummary = z.infer<typeof organizationSummary>;

export const activeProfile = z.object({
  Id: z.number().int(),
  role: profileRole,
  /** Propeller's words: a profile in a company is a Contact, in a personal organization a Customer. */
  type: z.enum(['Contact', 'Customer']),
  organization: organizationSummary,
});
export type ActiveProfile = z.infer<typeof activeProfile>;

export const actor = z.object({
  user: userSummary,
  profileId: z.number().int().nullable(),
  impersonationId: z.string(),
  door: z.enum(['team', 'operator']),
  reason: z.string().nullable(),
  /** The hard end of the impersonation; it cannot be extended. */
  endsAt: isoDateTime,
});
export type Actor = z.infer<typeof actor>;

/** A session a credential opened for a system (an integration): which credential, made by whom. */
export const via = z.object({
  kind: credentialKind,
  credentialId: z.string(),
  name: z.string(),
  maker: credentialMaker,
});
export type Via = z.infer<typeof via>;

export const authenticationFactor = z.object({
  type: z.enum(['password', 'one_click', 'login_token', 'impersonated']),
  at: isoDateTime,
  /** For `impersonated`: who is acting. */
  actor: userSummary.optional(),
});

export const session = z.object({
  id: z.string(),
  method: signInMethod,
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  user: userSummary.nullable(),
  activeProfile: activeProfile.nullable(),
  /** True when the user holds several profiles and has not picked one yet. */
  needsProfile: z.boolean(),
  permissions: z.array(permission),
  /** Present while someone is acting as this user: who, why, until when. */
  actor: actor.optional(),
  /** Present when an integration's credential opened this session. */
  via: via.optional(),
  authenticationFactors: z.array(authenticationFactor),
  /** Set once, on the first request after an impersonation this browser was in has ended. */
  impersonationEnded: z.object({ reason: z.string(), message: z.string() }).optional(),
  /**
   * The server's clock when it answered: what a client counts `actor.endsAt` down from, since
   * its own clock may be off by hours (and a test's clock is the server's to move).
   */
  asOf: isoDateTime.optional(),
});
export type Session = z.infer<typeof session>;

export const sessionResponse = z.object({ session });
export type SessionResponse = z.infer<typeof sessionResponse>;

/**
 * Returned whenever a new session is minted. Browsers get the cookie and no token: script in a
 * page never sees a session token. API clients (no cookie, no Origin, no Sec-Fetch-Site, or an
 * Authorization header) get the token for `Authorization: Bearer`.
 */
export const signedInResponse = z.object({ token: z.string().optional(), session });
export type SignedInResponse = z.infer<typeof signedInResponse>;

export const sessionListItem = z.object({
  id: z.string(),
  method: signInMethod,
  createdAt: isoDateTime,
  lastSeenAt: isoDateTime,
  expiresAt: isoDateTime,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  organizationName: z.string().nullable(),
  current: z.boolean(),
  /** A session someone else holds as this user: staff named by name and role only. */
  actingAs: z
    .object({ name: z.string(), kind: userKind, operatorRole: operatorRole.nullable() })
    .nullable(),
  via: via.nullable(),
});
export type SessionListItem = z.infer<typeof sessionListItem>;
/** `query`: the text in an organization's or an actor's name, or one's own device or address. */
export const sessionsQuery = searchPageQuery;
/** A page of the caller's live sessions, newest first. */
export const sessionList = z.object({ sessions: z.array(sessionListItem), nextCursor });
export type SessionList = z.infer<typeof sessionList>;

export const sessionIdParam = z.object({ id: z.string().min(1).max(64) });

export const okResponse = z.object({ ok: z.literal(true) });
