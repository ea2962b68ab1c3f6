import { z } from 'zod';
import { changePasswordBody } from './account.ts';
import {
  auditExportQuery,
  auditListQuery,
  auditPage,
  auditVerification,
  impersonationIdParam,
  impersonationReport,
  impersonationReportQuery,
} from './audit.ts';
import {
  okResponse,
  sessionIdParam,
  sessionList,
  sessionResponse,
  sessionsQuery,
  signedInResponse,
  signInBody,
} from './auth.ts';
import {
  invoicesQuery,
  invoicesResponse,
  orderResponse,
  ordersQuery,
  ordersResponse,
  placeOrderBody,
} from './commerce.ts';
import { numericId } from './common.ts';
import {
  outboxQuery,
  outboxResponse,
  provisionUserBody,
  provisionUserResponse,
  requestEmailLinkBody,
  requestEmailLinkResponse,
  supportEmailLinkBody,
  userIdParam,
} from './email-links.ts';
import {
  accessHistoryQuery,
  accessHistoryResponse,
  handoffParam,
  handoffResponse,
  impersonationPreferenceBody,
  impersonationPreferenceResponse,
  integrationAccessQuery,
  integrationAccessResponse,
  operatorImpersonateQuery,
  teamImpersonateParams,
  teamImpersonateQuery,
} from './impersonation.ts';
import {
  accountCredentialParams,
  accountCredentials,
  accountCredentialsQuery,
  apiKeyIdParam,
  apiKeyList,
  apiKeysQuery,
  createApiKeyBody,
  createdApiKey,
  createdLoginToken,
  createLoginTokenBody,
  createOneClickLinkBody,
  linkPreview,
  loginTokenDetails,
  loginTokenDetailsQuery,
  loginTokenIdParam,
  loginTokenList,
  loginTokensQuery,
  oneClickBody,
  oneClickLinkResponse,
  redeemLoginTokenBody,
  sentCredentialResponse,
  sentLoginToken,
  subjectCandidates,
  subjectSearchQuery,
} from './login-links.ts';
import { profilesQuery, profilesResponse, switchProfileBody } from './profiles.ts';
import {
  teamMemberParam,
  teamMemberResponse,
  teamMembersQuery,
  teamMembersResponse,
  teamSettingsResponse,
  updateTeamMemberBody,
  updateTeamSettingsBody,
} from './team.ts';
import {
  advanceClockBody,
  createTestOperatorBody,
  createTestOrganizationBody,
  testClock,
  testMailbox,
  testMailboxQuery,
  testOperator,
  testOrganization,
} from './test-mode.ts';
import {
  adminUsersResponse,
  globalSettingsResponse,
  organizationsQuery,
  organizationsResponse,
  profileRoleResponse,
  setProfileRoleBody,
  updatedUserResponse,
  updateGlobalSettingsBody,
  updateUserBody,
  usersQuery,
} from './users.ts';

/**
 * The route table: every endpoint's method, path, input and answers, in one place. The server
 * builds its routes (and the OpenAPI document) from it, the typed client calls by its names,
 * and a test holds the server to it in both directions (SPEC §10). Paths are OpenAPI style:
 * `{name}` is a path parameter.
 */
export interface RouteContract {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: readonly string[];
  params?: z.ZodType;
  query?: z.ZodType;
  /** A JSON body. */
  body?: z.ZodType;
  /** Each answer that succeeds, by status, with what it carries. */
  responses: Partial<Record<200 | 201 | 202, z.ZodType>>;
  /** The error statuses it may answer, each with the error envelope. */
  errors: readonly number[];
  /** Answered as a file (a stream), not as JSON: the client links to it instead of calling. */
  download?: true;
  /**
   * Refused to a session acting for someone else (SPEC §4 rule 8, §4b): `refused` for the
   * sensitive actions, a person's to take as themselves in their own session (not while
   * impersonating, not in a session an integration's credential opened, 403); `whileImpersonating`
   * for a sign-in or a link, which never stacks on an impersonation. Declared here once; the
   * server enforces it on the route and a test holds every route so marked to it.
   */
  actingForSomeone?: 'refused' | 'refusedWhileImpersonating';
  /**
   * What a request sent from inside an impersonation that has just ended (the browser still
   * sends its cookie) does. `refused`, `401 impersonation_ended`, rather than carried out as the
   * actor in their own name: the default for a write that needs a caller, and declared on the
   * reads that hand out a credential (a JWT, a hand-off token). `ownSession`: it goes on in the
   * person's own session; the default for the other reads, so pages keep working and say why
   * it ended, and declared on the writes that are the person's own business either way
   * (signing out, leaving). The `refused` ones are also refused, `401 session_changed`, when
   * the page that sent them shows another session than the cookie holds (another tab changed
   * it: `SHOWN_SESSION_HEADER`, headers.ts).
   */
  afterImpersonationEnds?: 'ownSession' | 'refused';
  /**
   * `refused`: a GET refused when a browser says another site sent it (`Sec-Fetch-Site`
   * `cross-site` or `same-site`, or a foreign `Origin`; `403 csrf_rejected`), before anything is
   * written, as every unsafe method is. The session cookie is `SameSite=Lax`, so a page on any
   * site can navigate a signed-in person's browser to a GET. Declared on the GETs that hand out
   * a credential and on every GET that writes the audit trail in someone's name (a read of the
   * trail or the outbox, and the routes whose `actingForSomeone` refusal is audited), so that
   * no other site can (docs/decisions/006-csrf.md). Test mode's reads are written as the
   * system, with no one's credential: any client may send them, so they are not marked. Clients
   * that send neither header (API clients, scripts) are not browsers and go on.
   */
  crossSite?: 'refused';
}

const route = <const C extends RouteContract>(contract: C) => contract;

const idParam = z.object({ id: numericId });
const jwt = z.object({ jwt: z.string() });
const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
const alive = z.object({ ok: z.literal(true) });

export const routes = {
  // ---- health and keys -----------------------------------------------------------------
  'health.live': route({
    method: 'get',
    path: '/api/health',
    tags: ['Health'],
    summary: 'Liveness; does no work (the benchmark calibrates against it)',
    responses: { 200: alive },
    errors: [],
  }),
  'health.ready': route({
    method: 'get',
    path: '/api/health/ready',
    tags: ['Health'],
    summary:
      'Readiness: the database answers and every migration bundled with this code is applied',
    responses: { 200: alive },
    errors: [503],
  }),
  'auth.jwks': route({
    method: 'get',
    path: '/.well-known/jwks.json',
    tags: ['Auth'],
    summary: 'Public keys that verify session JWTs',
    responses: { 200: jwks },
    errors: [],
  }),

  // ---- auth and sessions ---------------------------------------------------------------
  'auth.signIn': route({
    method: 'post',
    path: '/api/public/auth/sign-in',
    tags: ['Auth'],
    summary: 'Sign in with email and password',
    body: signInBody,
    responses: { 200: signedInResponse },
    errors: [400, 401, 403, 429, 503],
    actingForSomeone: 'refusedWhileImpersonating',
  }),
  'auth.signOut': route({
    method: 'post',
    path: '/api/public/auth/sign-out',
    tags: ['Auth'],
    summary: 'Revoke the current session',
    responses: { 200: okResponse },
    errors: [401],
    afterImpersonationEnds: 'ownSession',
  }),
  'auth.session': route({
    method: 'get',
    path: '/api/public/auth/session',
    tags: ['Auth'],
    summary: 'The current session',
    responses: { 200: sessionResponse },
    errors: [401],
  }),
  'auth.jwt': route({
    method: 'get',
    path: '/api/public/auth/token',
    tags: ['Auth'],
    summary: 'A short-lived session JWT for downstream services (`act` claim when impersonating)',
    responses: { 200: jwt },
    errors: [401],
    afterImpersonationEnds: 'refused',
    crossSite: 'refused',
  }),
  'auth.sessions': route({
    method: 'get',
    path: '/api/public/auth/sessions',
    tags: ['Auth'],
    summary: "A page of the caller's live sessions, newest first",
    query: sessionsQuery,
    responses: { 200: sessionList },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'auth.revokeSession': route({
    method: 'delete',
    path: '/api/public/auth/sessions/{id}',
    tags: ['Auth'],
    summary: 'Revoke one of your sessions',
    params: sessionIdParam,
    responses: { 200: okResponse },
    errors: [401, 403, 404],
    actingForSomeone: 'refused',
  }),

  // ---- sign-in links and login tokens, redeemed ----------------------------------------
  'links.previewOneClick': route({
    method: 'post',
    path: '/api/public/auth/one-click/preview',
    tags: ['One-click links'],
    summary: 'Whose account a link opens, and whether it still works (does not redeem)',
    body: oneClickBody,
    responses: { 200: linkPreview },
    errors: [400, 429],
  }),
  'links.redeemOneClick': route({
    method: 'post',
    path: '/api/public/auth/one-click',
    tags: ['One-click links'],
    summary: 'Redeem a one-click link (single use) and sign in',
    body: oneClickBody,
    responses: { 200: signedInResponse },
    errors: [400, 403, 410, 429],
    actingForSomeone: 'refusedWhileImpersonating',
  }),
  'links.previewLoginToken': route({
    method: 'post',
    path: '/api/public/auth/login-token/preview',
    tags: ['Login tokens'],
    summary: 'Whose account a login token opens, and whether it works (does not redeem)',
    body: redeemLoginTokenBody,
    responses: { 200: linkPreview },
    errors: [400, 429],
  }),
  'links.redeemLoginToken': route({
    method: 'post',
    path: '/api/public/auth/login-token',
    tags: ['Login tokens'],
    summary: 'Redeem a login token and sign in (a guest session for an anonymous token)',
    body: redeemLoginTokenBody,
    responses: { 200: signedInResponse },
    errors: [400, 403, 410, 429],
    actingForSomeone: 'refusedWhileImpersonating',
  }),
  'links.requestEmailLink': route({
    method: 'post',
    path: '/api/public/auth/email-link',
    tags: ['Sign-in links by email'],
    summary: 'Email me a sign-in link (same answer whether or not the address has an account)',
    body: requestEmailLinkBody,
    responses: { 202: requestEmailLinkResponse },
    errors: [400, 429],
  }),

  // ---- impersonation -------------------------------------------------------------------
  'impersonation.teamHandoff': route({
    method: 'get',
    path: '/api/public/coworkers/{coworkerId}/impersonate',
    tags: ['Impersonation'],
    summary: 'Team door: a hand-off token to sign in on behalf of a coworker',
    params: teamImpersonateParams,
    query: teamImpersonateQuery,
    responses: { 200: handoffResponse },
    errors: [400, 401, 403, 404],
    afterImpersonationEnds: 'refused',
    crossSite: 'refused',
  }),
  'impersonation.operatorHandoff': route({
    method: 'get',
    path: '/api/sys/users/impersonate',
    tags: ['Impersonation'],
    summary: 'Operator door: a hand-off token to impersonate a user (reason required)',
    query: operatorImpersonateQuery,
    responses: { 200: handoffResponse },
    errors: [400, 401, 403, 404],
    afterImpersonationEnds: 'refused',
    crossSite: 'refused',
  }),
  'impersonation.exchange': route({
    method: 'post',
    path: '/api/public/auth/login/{token}',
    tags: ['Impersonation'],
    summary: 'Exchange a hand-off token for a session as the target (same session that asked)',
    params: handoffParam,
    responses: { 200: signedInResponse },
    errors: [400, 401, 403, 404, 409, 410, 429],
  }),
  'impersonation.leave': route({
    method: 'post',
    path: '/api/public/auth/impersonation/leave',
    tags: ['Impersonation'],
    summary: "End the impersonation and return to the actor's own session",
    responses: { 200: sessionResponse },
    errors: [401, 409],
    afterImpersonationEnds: 'ownSession',
  }),

  // ---- account -------------------------------------------------------------------------
  'account.accessHistory': route({
    method: 'get',
    path: '/api/public/account/access-history',
    tags: ['Impersonation'],
    summary: 'Who signed in as me, when, for how long and why, a page at a time',
    query: accessHistoryQuery,
    responses: { 200: accessHistoryResponse },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'account.integrationAccess': route({
    method: 'get',
    path: '/api/public/account/access-history/integrations',
    tags: ['Impersonation'],
    summary:
      'The links and tokens handed to systems to sign me in, and their use, a page at a time',
    query: integrationAccessQuery,
    responses: { 200: integrationAccessResponse },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'account.setImpersonationPreference': route({
    method: 'put',
    path: '/api/public/account/impersonation-preference',
    tags: ['Account'],
    summary: 'Allow or forbid team admins to sign in as me (active profile)',
    body: impersonationPreferenceBody,
    responses: { 200: impersonationPreferenceResponse },
    errors: [400, 401, 403, 409],
    actingForSomeone: 'refused',
  }),
  'account.changePassword': route({
    method: 'put',
    path: '/api/public/account/password',
    tags: ['Account'],
    summary: 'Change my password (signs out my other sessions)',
    body: changePasswordBody,
    responses: { 200: okResponse },
    errors: [400, 401, 403, 503],
    actingForSomeone: 'refused',
  }),
  'account.credentials': route({
    method: 'get',
    path: '/api/public/account/credentials',
    tags: ['Account'],
    summary:
      'Sign-in links and login tokens made for me that still work, and who made them, a page at a time',
    query: accountCredentialsQuery,
    responses: { 200: accountCredentials },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'account.revokeCredential': route({
    method: 'delete',
    path: '/api/public/account/credentials/{kind}/{id}',
    tags: ['Account'],
    summary: 'Revoke a sign-in link or login token made for me',
    params: accountCredentialParams,
    responses: { 200: okResponse },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
  }),

  // ---- profiles and team ---------------------------------------------------------------
  'profiles.list': route({
    method: 'get',
    path: '/api/public/coworkers/profiles',
    tags: ['Profiles'],
    summary: "The caller's profiles, and a page of the coworkers a team admin may sign in as",
    query: profilesQuery,
    responses: { 200: profilesResponse },
    errors: [400, 401],
  }),
  'profiles.switchTo': route({
    method: 'put',
    path: '/api/public/coworkers/profiles/current',
    tags: ['Profiles'],
    summary: 'Switch the active profile (a new session replaces the current one)',
    body: switchProfileBody,
    responses: { 200: signedInResponse },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
  }),
  'team.members': route({
    method: 'get',
    path: '/api/public/team/members',
    tags: ['Team'],
    summary: "A page of the members of the active profile's organization",
    query: teamMembersQuery,
    responses: { 200: teamMembersResponse },
    errors: [400, 401, 403],
  }),
  'team.updateMember': route({
    method: 'patch',
    path: '/api/public/team/members/{profileId}',
    tags: ['Team'],
    summary: "Change a member's role or permissions",
    params: teamMemberParam,
    body: updateTeamMemberBody,
    responses: { 200: teamMemberResponse },
    errors: [400, 401, 403, 404, 409],
    actingForSomeone: 'refused',
  }),
  'team.settings': route({
    method: 'get',
    path: '/api/public/team/settings',
    tags: ['Team'],
    summary: "The organization's impersonation and integration settings",
    responses: { 200: teamSettingsResponse },
    errors: [401, 403],
  }),
  'team.updateSettings': route({
    method: 'put',
    path: '/api/public/team/settings',
    tags: ['Team'],
    summary: 'Change the team door, its time limit, self-service links and integrations',
    body: updateTeamSettingsBody,
    responses: { 200: teamSettingsResponse },
    errors: [400, 401, 403, 409],
    actingForSomeone: 'refused',
  }),

  // ---- business data -------------------------------------------------------------------
  'orders.list': route({
    method: 'get',
    path: '/api/public/orders',
    tags: ['Commerce'],
    summary: "A page of the active organization's orders, newest first",
    query: ordersQuery,
    responses: { 200: ordersResponse },
    errors: [400, 401, 403],
  }),
  'orders.place': route({
    method: 'post',
    path: '/api/public/orders',
    tags: ['Commerce'],
    summary: 'Place an order',
    body: placeOrderBody,
    responses: { 201: orderResponse },
    errors: [400, 401, 403],
  }),
  'invoices.list': route({
    method: 'get',
    path: '/api/public/invoices',
    tags: ['Commerce'],
    summary: "A page of the active organization's invoices, newest first",
    query: invoicesQuery,
    responses: { 200: invoicesResponse },
    errors: [400, 401, 403],
  }),

  // ---- audit ---------------------------------------------------------------------------
  'audit.list': route({
    method: 'get',
    path: '/api/sys/audit-events',
    tags: ['Audit'],
    summary: 'Browse the audit trail: filters and a keyset cursor, newest first',
    query: auditListQuery,
    responses: { 200: auditPage },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.export': route({
    method: 'get',
    path: '/api/sys/audit-events/export',
    tags: ['Audit'],
    summary: 'Export the filtered audit trail as NDJSON or CSV (streamed)',
    query: auditExportQuery,
    responses: {},
    errors: [400, 401, 403, 429],
    download: true,
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.verify': route({
    method: 'get',
    path: '/api/sys/audit-events/verify',
    tags: ['Audit'],
    summary: 'Check the hash chain: intact, or every event that breaks it',
    responses: { 200: auditVerification },
    errors: [401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.impersonation': route({
    method: 'get',
    path: '/api/sys/impersonations/{id}',
    tags: ['Audit'],
    summary:
      'One impersonation: start, end, reason and a page of the actions taken during it, newest page first',
    params: impersonationIdParam,
    query: impersonationReportQuery,
    responses: { 200: impersonationReport },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.teamList': route({
    method: 'get',
    path: '/api/public/team/audit-events',
    tags: ['Audit'],
    summary: "The team's audit trail (the active organization's events only)",
    query: auditListQuery,
    responses: { 200: auditPage },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.teamExport': route({
    method: 'get',
    path: '/api/public/team/audit-events/export',
    tags: ['Audit'],
    summary: "Export the team's audit trail as NDJSON or CSV",
    query: auditExportQuery,
    responses: {},
    errors: [400, 401, 403, 429],
    download: true,
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'audit.teamImpersonation': route({
    method: 'get',
    path: '/api/public/team/impersonations/{id}',
    tags: ['Audit'],
    summary: "One impersonation in the team's organization, a page of its actions at a time",
    params: impersonationIdParam,
    query: impersonationReportQuery,
    responses: { 200: impersonationReport },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),

  // ---- backoffice: people, links, tokens, keys -----------------------------------------
  'sys.users': route({
    method: 'get',
    path: '/api/sys/users',
    tags: ['Backoffice'],
    summary: 'A page of users and their profiles (operator, or an API key with users:read)',
    query: usersQuery,
    responses: { 200: adminUsersResponse },
    errors: [400, 401, 403],
  }),
  'sys.updateUser': route({
    method: 'patch',
    path: '/api/sys/users/{id}',
    tags: ['Backoffice'],
    summary: "Disable or enable a user, or change an operator's role (superadmin, with a reason)",
    params: idParam,
    body: updateUserBody,
    responses: { 200: updatedUserResponse },
    errors: [400, 401, 403, 404, 409],
    actingForSomeone: 'refused',
  }),
  'sys.setProfileRole': route({
    method: 'put',
    path: '/api/sys/profiles/{id}/role',
    tags: ['Backoffice'],
    summary:
      "Set a profile's role (superadmin, with a reason); its preset permissions come with it",
    params: idParam,
    body: setProfileRoleBody,
    responses: { 200: profileRoleResponse },
    errors: [400, 401, 403, 404, 409],
    actingForSomeone: 'refused',
  }),
  'sys.organizations': route({
    method: 'get',
    path: '/api/sys/organizations',
    tags: ['Backoffice'],
    summary: 'Organizations by name (at most 50), for operators',
    query: organizationsQuery,
    responses: { 200: organizationsResponse },
    errors: [400, 401, 403],
  }),
  'sys.organizationSettings': route({
    method: 'get',
    path: '/api/sys/organizations/{id}/settings',
    tags: ['Team'],
    summary: "An organization's settings, for operators with settings:manage",
    params: idParam,
    responses: { 200: teamSettingsResponse },
    errors: [401, 403, 404],
  }),
  'sys.updateOrganizationSettings': route({
    method: 'put',
    path: '/api/sys/organizations/{id}/settings',
    tags: ['Team'],
    summary: "Change an organization's settings as an operator with settings:manage",
    params: idParam,
    body: updateTeamSettingsBody,
    responses: { 200: teamSettingsResponse },
    errors: [400, 401, 403, 404, 409],
    actingForSomeone: 'refused',
  }),
  'sys.settings': route({
    method: 'get',
    path: '/api/sys/settings',
    tags: ['Backoffice'],
    summary: 'Global switches',
    responses: { 200: globalSettingsResponse },
    errors: [401, 403],
  }),
  'sys.updateSettings': route({
    method: 'put',
    path: '/api/sys/settings',
    tags: ['Backoffice'],
    summary: 'Change the global switches',
    body: updateGlobalSettingsBody,
    responses: { 200: globalSettingsResponse },
    errors: [400, 401, 403, 409],
    actingForSomeone: 'refused',
  }),
  'sys.outbox': route({
    method: 'get',
    path: '/api/sys/outbox',
    tags: ['Backoffice'],
    summary:
      'The local mail outbox, newest first, links removed: development only, without SMTP (404 elsewhere)',
    query: outboxQuery,
    responses: { 200: outboxResponse },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'sys.provisionUser': route({
    method: 'post',
    path: '/api/sys/users',
    tags: ['Sign-in links by email'],
    summary:
      'Provision a member (idempotent on email), optionally with a welcome email carrying a link',
    body: provisionUserBody,
    responses: { 200: provisionUserResponse, 201: provisionUserResponse },
    errors: [400, 401, 403, 404, 409, 422, 503],
    actingForSomeone: 'refused',
  }),
  'sys.emailSignInLink': route({
    method: 'post',
    path: '/api/sys/users/{id}/email-sign-in-link',
    tags: ['Sign-in links by email'],
    summary:
      'Support emails a sign-in link to a customer (the email names the operator and reason)',
    params: userIdParam,
    body: supportEmailLinkBody,
    responses: { 200: sentCredentialResponse },
    errors: [400, 401, 403, 404, 409, 503],
    actingForSomeone: 'refused',
  }),
  'sys.oneClickLink': route({
    method: 'post',
    path: '/api/sys/one-click-links',
    tags: ['One-click links'],
    summary: 'Make a one-click sign-in link for a customer: emailed to them, or handed over',
    body: createOneClickLinkBody,
    responses: { 201: oneClickLinkResponse, 202: sentCredentialResponse },
    errors: [400, 401, 403, 404, 409, 503],
    actingForSomeone: 'refused',
  }),
  'loginTokens.list': route({
    method: 'get',
    path: '/api/sys/login-tokens',
    tags: ['Login tokens'],
    summary: 'A page of login tokens, searchable and filterable by state',
    query: loginTokensQuery,
    responses: { 200: loginTokenList },
    errors: [400, 401, 403],
  }),
  'loginTokens.create': route({
    method: 'post',
    path: '/api/sys/login-tokens',
    tags: ['Login tokens'],
    summary: 'New Login Token: for a contact/customer profile (by use) or an anonymous guest',
    body: createLoginTokenBody,
    responses: { 201: createdLoginToken, 202: sentLoginToken },
    errors: [400, 401, 403, 404, 409, 503],
    actingForSomeone: 'refused',
  }),
  'loginTokens.subjects': route({
    method: 'get',
    path: '/api/sys/login-tokens/subjects',
    tags: ['Login tokens'],
    summary: 'Search contacts and customers by name or email for a new token',
    query: subjectSearchQuery,
    responses: { 200: subjectCandidates },
    errors: [400, 401, 403],
  }),
  'loginTokens.details': route({
    method: 'get',
    path: '/api/sys/login-tokens/{id}',
    tags: ['Login tokens'],
    summary: 'A token with its usage statistics and every attempt, a page at a time',
    params: loginTokenIdParam,
    query: loginTokenDetailsQuery,
    responses: { 200: loginTokenDetails },
    errors: [400, 401, 403, 404],
  }),
  'loginTokens.remove': route({
    method: 'delete',
    path: '/api/sys/login-tokens/{id}',
    tags: ['Login tokens'],
    summary: 'Delete a token (irrecoverable; the audit trail keeps the record)',
    params: loginTokenIdParam,
    responses: { 200: okResponse },
    errors: [400, 401, 403, 404],
    actingForSomeone: 'refused',
  }),
  'apiKeys.list': route({
    method: 'get',
    path: '/api/sys/api-keys',
    tags: ['API keys'],
    summary: 'A page of the API keys for integrations, newest first',
    query: apiKeysQuery,
    responses: { 200: apiKeyList },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
    crossSite: 'refused',
  }),
  'apiKeys.create': route({
    method: 'post',
    path: '/api/sys/api-keys',
    tags: ['API keys'],
    summary: 'Create an API key with scopes and organizations (the secret is shown once)',
    body: createApiKeyBody,
    responses: { 201: createdApiKey },
    errors: [400, 401, 403],
    actingForSomeone: 'refused',
  }),
  'apiKeys.revoke': route({
    method: 'delete',
    path: '/api/sys/api-keys/{id}',
    tags: ['API keys'],
    summary: 'Revoke an API key',
    params: apiKeyIdParam,
    responses: { 200: okResponse },
    errors: [401, 403, 404],
    actingForSomeone: 'refused',
  }),

  // ---- test mode (ONBEHALF_TEST_MODE=1 only) -------------------------------------------
  // Their 401 asks for the test mode key, not a caller: they never act as anyone, so a request
  // from an ended impersonation goes on (`afterImpersonationEnds`).
  'test.createOrganization': route({
    method: 'post',
    path: '/api/test/organizations',
    tags: ['Test mode'],
    summary: 'Test mode: a fresh organization with an owner, a team admin and two members',
    body: createTestOrganizationBody,
    responses: { 201: testOrganization },
    errors: [400, 401],
    afterImpersonationEnds: 'ownSession',
  }),
  'test.createOperator': route({
    method: 'post',
    path: '/api/test/operators',
    tags: ['Test mode'],
    summary: 'Test mode: a fresh operator of the role asked for',
    body: createTestOperatorBody,
    responses: { 201: testOperator },
    errors: [400, 401],
    afterImpersonationEnds: 'ownSession',
  }),
  'test.mailbox': route({
    method: 'get',
    path: '/api/test/mailbox',
    tags: ['Test mode'],
    summary: 'Test mode: the mail an address received, newest first, links picked out',
    query: testMailboxQuery,
    responses: { 200: testMailbox },
    errors: [400, 401, 409],
  }),
  'test.clock': route({
    method: 'get',
    path: '/api/test/clock',
    tags: ['Test mode'],
    summary: "Test mode: this test's server clock",
    responses: { 200: testClock },
    errors: [401],
  }),
  'test.advanceClock': route({
    method: 'post',
    path: '/api/test/clock',
    tags: ['Test mode'],
    summary: "Test mode: move this test's server clock forward (never back)",
    body: advanceClockBody,
    responses: { 200: testClock },
    errors: [400, 401],
    afterImpersonationEnds: 'ownSession',
  }),
} as const satisfies Record<string, RouteContract>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type SchemaOf<C, K extends string> = C extends { [P in K]: infer S extends z.ZodType } ? S : never;

/** What a call of the route sends: its path parameters, query and body, as the client writes them. */
export type RouteInput<N extends RouteName> = (SchemaOf<Routes[N], 'params'> extends never
  ? unknown
  : { params: z.input<SchemaOf<Routes[N], 'params'>> }) &
  (SchemaOf<Routes[N], 'query'> extends never
    ? unknown
    : { query?: z.input<SchemaOf<Routes[N], 'query'>> }) &
  (SchemaOf<Routes[N], 'body'> extends never
    ? unknown
    : { body: z.input<SchemaOf<Routes[N], 'body'>> });

/** What a successful call answers (any of its success statuses). */
export type RouteOutput<N extends RouteName> = Routes[N]['responses'] extends infer R
  ? R extends Record<number, z.ZodType>
    ? z.output<R[keyof R]>
    : never
  : never;

/** The route's path with its parameters filled in, each encoded. */
export function pathOf(path: string, params: Record<string, unknown> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) throw new Error(`Missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}
