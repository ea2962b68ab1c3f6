import type { ChangePasswordBody } from '@onbehalf/contracts/account';
import type { AuditListQuery, ImpersonationReportQuery } from '@onbehalf/contracts/audit';
import type { SignInBody } from '@onbehalf/contracts/auth';
import type { PlaceOrderBody } from '@onbehalf/contracts/commerce';
import type { PageQuery, SearchPageQuery } from '@onbehalf/contracts/common';
import type { OutboxQuery, ProvisionUserBody } from '@onbehalf/contracts/email-links';
import type { ErrorBody } from '@onbehalf/contracts/errors';
import type { OperatorImpersonateQuery } from '@onbehalf/contracts/impersonation';
import type {
  AccountCredentialsQuery,
  CreateApiKeyBody,
  CreatedLoginToken,
  CreateLoginTokenBody,
  CreateOneClickLinkBody,
  CredentialKind,
  LoginTokensQuery,
  OneClickBody,
  OneClickLinkResponse,
  SentCredentialResponse,
  SentLoginToken,
} from '@onbehalf/contracts/login-links';
import {
  pathOf,
  type RouteContract,
  type RouteInput,
  type RouteName,
  type RouteOutput,
  routes,
} from '@onbehalf/contracts/routes';
import type { UpdateTeamMemberBody, UpdateTeamSettingsBody } from '@onbehalf/contracts/team';
import type {
  CreateTestOperatorBody,
  CreateTestOrganizationBody,
} from '@onbehalf/contracts/test-mode';
import type {
  SetProfileRoleBody,
  UpdateGlobalSettingsBody,
  UpdateUserBody,
} from '@onbehalf/contracts/users';
import { ApiError } from './api-error.ts';

export interface ApiClientOptions {
  /** Origin of the API; empty for same-origin use in the portal. */
  baseUrl?: string;
  /** A bearer token for API clients; browsers rely on the session cookie instead. */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
  /** Sent with every request; a function is asked again for each one. */
  headers?: Record<string, string> | (() => Record<string, string>);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The one typed client for the API, used by the portal, the e2e suite, the QA kit and the
 * integration tests, derived from the route table (`@onbehalf/contracts/routes`): every method
 * calls a route by its name, typed by the route's schemas. It only moves data: it never
 * navigates or touches storage.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const extra = typeof options.headers === 'function' ? options.headers() : options.headers;
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    const token = typeof options.token === 'function' ? options.token() : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch (error) {
      // A fetch given to the client may answer in the client's own terms (the QA kit's says
      // what to fix); anything else it throws means nothing came back.
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, 'network_error', 'The server could not be reached.', [], null, {
        cause: error,
      });
    }

    const text = await response.text();
    const data: unknown = text ? safeJson(text) : undefined;
    if (response.ok) return data as T;

    const error = (data as ErrorBody | undefined)?.error;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      error?.code ?? 'unexpected_response',
      error?.message ?? `Unexpected response ${response.status}`,
      error?.issues ?? [],
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }

  /**
   * Calls a route of the route table by its name: the method, the path and what each part
   * carries come from `@onbehalf/contracts/routes`, never from a string written here.
   */
  function call<N extends RouteName>(
    name: N,
    ...[input]: Record<never, never> extends RouteInput<N> ? [RouteInput<N>?] : [RouteInput<N>]
  ): Promise<RouteOutput<N>> {
    const route: RouteContract = routes[name];
    const parts = (input ?? {}) as {
      params?: Record<string, unknown>;
      query?: object;
      body?: unknown;
    };
    const url = `${pathOf(route.path, parts.params)}${query(parts.query ?? {})}`;
    return request<RouteOutput<N>>(methods[route.method], url, parts.body);
  }

  /** Where a download route's file comes from, for a link (not a fetch). */
  function urlOf<N extends RouteName>(name: N, input: RouteInput<N>): string {
    const route: RouteContract = routes[name];
    const parts = input as { params?: Record<string, unknown>; query?: object };
    return `${baseUrl}${pathOf(route.path, parts.params)}${query(parts.query ?? {})}`;
  }

  return {
    call,
    auth: {
      signIn: (body: SignInBody) => call('auth.signIn', { body }),
      signOut: () => call('auth.signOut'),
      session: () => call('auth.session'),
      /** A page of my live sessions, newest first. */
      sessions: (q: SearchPageQuery = {}) => call('auth.sessions', { query: q }),
      revokeSession: (sessionId: string) =>
        call('auth.revokeSession', { params: { id: sessionId } }),
      /** A short-lived JWT describing the session, for downstream services. */
      jwt: () => call('auth.jwt'),
    },
    links: {
      /** Whose account a one-click link opens; never redeems it. */
      previewOneClick: (body: OneClickBody) => call('links.previewOneClick', { body }),
      redeemOneClick: (body: OneClickBody) => call('links.redeemOneClick', { body }),
      previewLoginToken: (token: string) => call('links.previewLoginToken', { body: { token } }),
      redeemLoginToken: (token: string) => call('links.redeemLoginToken', { body: { token } }),
      /** "Email me a sign-in link": the same answer whether or not the address has an account. */
      requestEmailLink: (email: string) => call('links.requestEmailLink', { body: { email } }),
    },
    impersonation: {
      /** Team door: a 60-second, single-use hand-off token for a coworker's profile. */
      teamHandoff: (coworkerId: number, reason?: string) =>
        call('impersonation.teamHandoff', { params: { coworkerId }, query: { reason } }),
      /** Operator door: reason required. */
      operatorHandoff: (q: OperatorImpersonateQuery) =>
        call('impersonation.operatorHandoff', { query: q }),
      /** Exchange the hand-off token, from the same session that asked for it. */
      exchange: (handoffToken: string) =>
        call('impersonation.exchange', { params: { token: handoffToken } }),
      leave: () => call('impersonation.leave'),
    },
    account: {
      accessHistory: (q: PageQuery = {}) => call('account.accessHistory', { query: q }),
      integrationAccess: (q: PageQuery = {}) => call('account.integrationAccess', { query: q }),
      setImpersonationPreference: (allowTeamImpersonation: boolean) =>
        call('account.setImpersonationPreference', { body: { allowTeamImpersonation } }),
      changePassword: (body: ChangePasswordBody) => call('account.changePassword', { body }),
      /** A page of the live sign-in links and login tokens anyone made for me, newest first. */
      credentials: (q: AccountCredentialsQuery = {}) => call('account.credentials', { query: q }),
      revokeCredential: (kind: CredentialKind, credentialId: string) =>
        call('account.revokeCredential', { params: { kind, id: credentialId } }),
    },
    profiles: {
      /** My profiles, then a page of the coworkers I may sign in as (`query` finds them). */
      list: (q: SearchPageQuery = {}) => call('profiles.list', { query: q }),
      switchTo: (profileId: number) => call('profiles.switchTo', { body: { Id: profileId } }),
    },
    team: {
      /** A page of the team in name order (`query` finds members by name or email). */
      members: (q: SearchPageQuery = {}) => call('team.members', { query: q }),
      updateMember: (profileId: number, body: UpdateTeamMemberBody) =>
        call('team.updateMember', { params: { profileId }, body }),
      settings: () => call('team.settings'),
      updateSettings: (body: UpdateTeamSettingsBody) => call('team.updateSettings', { body }),
    },
    audit: {
      list: (q: AuditListQuery = {}) => call('audit.list', { query: q }),
      teamList: (q: AuditListQuery = {}) => call('audit.teamList', { query: q }),
      verify: () => call('audit.verify'),
      /** An impersonation and a page of its actions: the newest first, `cursor` for earlier ones. */
      impersonation: (impersonationId: string, q: ImpersonationReportQuery = {}) =>
        call('audit.impersonation', { params: { id: impersonationId }, query: q }),
      teamImpersonation: (impersonationId: string, q: ImpersonationReportQuery = {}) =>
        call('audit.teamImpersonation', { params: { id: impersonationId }, query: q }),
      /** Where the export of these filters downloads from (a link, not a fetch). */
      exportUrl: (
        format: 'ndjson' | 'csv',
        q: AuditListQuery = {},
        scope: 'sys' | 'team' = 'sys',
      ) =>
        urlOf(scope === 'sys' ? 'audit.export' : 'audit.teamExport', {
          query: { ...q, format },
        }),
    },
    loginTokens: {
      list: (q: LoginTokensQuery = {}) => call('loginTokens.list', { query: q }),
      /** A token handed over (support, integration, anonymous): its URL comes back, once. */
      create: (body: CreateLoginTokenBody) =>
        call('loginTokens.create', { body }) as Promise<CreatedLoginToken>,
      /** A token for a person, emailed to them (`use: 'email'`): where it went, never the URL. */
      email: (body: Omit<CreateLoginTokenBody, 'use'>) =>
        call('loginTokens.create', { body: { ...body, use: 'email' } }) as Promise<SentLoginToken>,
      subjects: (search: string) => call('loginTokens.subjects', { query: { query: search } }),
      details: (tokenId: number, q: PageQuery = {}) =>
        call('loginTokens.details', { params: { id: tokenId }, query: q }),
      remove: (tokenId: number) => call('loginTokens.remove', { params: { id: tokenId } }),
    },
    apiKeys: {
      list: (q: PageQuery = {}) => call('apiKeys.list', { query: q }),
      create: (body: CreateApiKeyBody) => call('apiKeys.create', { body }),
      revoke: (keyId: string) => call('apiKeys.revoke', { params: { id: keyId } }),
    },
    sys: {
      /** A handed-over link (`delivery: 'handover'`): its URL comes back, once. */
      oneClickLink: (body: CreateOneClickLinkBody) =>
        call('sys.oneClickLink', { body }) as Promise<OneClickLinkResponse>,
      /** A link emailed to the user (the default delivery): where it went, never the URL. */
      emailOneClickLink: (body: Omit<CreateOneClickLinkBody, 'delivery'>) =>
        call('sys.oneClickLink', {
          body: { ...body, delivery: 'email' },
        }) as Promise<SentCredentialResponse>,
      /** Support emails a customer a sign-in link; the email names the operator and reason. */
      emailSignInLink: (userId: number, reason: string) =>
        call('sys.emailSignInLink', { params: { id: userId }, body: { reason } }),
      /** Idempotent on the email address: a repeat answers 200 with the existing user. */
      provisionUser: (body: ProvisionUserBody) => call('sys.provisionUser', { body }),
      /** The local mail outbox (no SMTP server configured), newest first. */
      outbox: (q: OutboxQuery = {}) => call('sys.outbox', { query: q }),
      organizations: (search?: string) => call('sys.organizations', { query: { query: search } }),
      /** A page of users in name order; `query` finds them by name, email or organization. */
      users: (q: SearchPageQuery = {}) => call('sys.users', { query: q }),
      updateUser: (userId: number, body: UpdateUserBody) =>
        call('sys.updateUser', { params: { id: userId }, body }),
      setProfileRole: (profileId: number, body: SetProfileRoleBody) =>
        call('sys.setProfileRole', { params: { id: profileId }, body }),
      organizationSettings: (organizationId: number) =>
        call('sys.organizationSettings', { params: { id: organizationId } }),
      updateOrganizationSettings: (organizationId: number, body: UpdateTeamSettingsBody) =>
        call('sys.updateOrganizationSettings', { params: { id: organizationId }, body }),
      settings: () => call('sys.settings'),
      updateSettings: (body: UpdateGlobalSettingsBody) => call('sys.updateSettings', { body }),
    },
    /** Test mode only (ONBEHALF_TEST_MODE=1): what a QA suite makes, reads and moves. */
    test: {
      createOrganization: (body: CreateTestOrganizationBody = {}) =>
        call('test.createOrganization', { body }),
      createOperator: (body: CreateTestOperatorBody = {}) => call('test.createOperator', { body }),
      mailbox: (to: string, limit?: number) => call('test.mailbox', { query: { to, limit } }),
      clock: () => call('test.clock'),
      advanceClock: (advanceMs: number) => call('test.advanceClock', { body: { advanceMs } }),
    },
    orders: {
      list: (q: PageQuery = {}) => call('orders.list', { query: q }),
      place: (body: PlaceOrderBody) => call('orders.place', { body }),
    },
    invoices: {
      list: (q: PageQuery = {}) => call('invoices.list', { query: q }),
    },
  };
}

const methods = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE' } as const;

export type ApiClient = ReturnType<typeof createApiClient>;

/** `?a=1&b=2` from the defined values only; empty when there are none. */
function query(values: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
