import type { ChangePasswordBody } from '@onbehalf/contracts/account';
import type {
  AuditListQuery,
  AuditPage,
  AuditVerification,
  ImpersonationReport,
} from '@onbehalf/contracts/audit';
import type {
  SessionList,
  SessionResponse,
  SignedInResponse,
  SignInBody,
} from '@onbehalf/contracts/auth';
import type {
  InvoicesResponse,
  Order,
  OrdersResponse,
  PlaceOrderBody,
} from '@onbehalf/contracts/commerce';
import type { PageQuery, SearchPageQuery } from '@onbehalf/contracts/common';
import type {
  OutboxQuery,
  OutboxResponse,
  ProvisionUserBody,
  ProvisionUserResponse,
} from '@onbehalf/contracts/email-links';
import type { ErrorBody } from '@onbehalf/contracts/errors';
import type {
  AccessHistoryResponse,
  HandoffResponse,
  OperatorImpersonateQuery,
} from '@onbehalf/contracts/impersonation';
import type {
  AccountCredentials,
  ApiKeySummary,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedLoginToken,
  CreateLoginTokenBody,
  CreateOneClickLinkBody,
  CredentialKind,
  LinkPreview,
  LoginTokenDetails,
  LoginTokenList,
  LoginTokensQuery,
  OneClickBody,
  OneClickLinkResponse,
  SentCredentialResponse,
  SentLoginToken,
  SubjectCandidates,
} from '@onbehalf/contracts/login-links';
import type { ProfilesResponse } from '@onbehalf/contracts/profiles';
import type {
  TeamMember,
  TeamMembersResponse,
  TeamSettings,
  UpdateTeamMemberBody,
  UpdateTeamSettingsBody,
} from '@onbehalf/contracts/team';
import type {
  CreateTestOperatorBody,
  CreateTestOrganizationBody,
  TestClock,
  TestMailbox,
  TestOperator,
  TestOrganization,
} from '@onbehalf/contracts/test-mode';
import type {
  AdminUsersResponse,
  GlobalSettings,
  OrganizationsResponse,
  UpdateGlobalSettingsBody,
} from '@onbehalf/contracts/users';
import { ApiError } from './api-error.ts';

export interface ApiClientOptions {
  /** Origin of the API; empty for same-origin use in the portal. */
  baseUrl?: string;
  /** A bearer token for API clients; browsers rely on the session cookie instead. */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The one typed client for the API, used by the portal and by the e2e suite.
 * It only moves data: it never navigates or touches storage.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
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
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached.', [], null);
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

  const id = (value: number | string) => encodeURIComponent(String(value));

  return {
    request,
    auth: {
      signIn: (body: SignInBody) =>
        request<SignedInResponse>('POST', '/api/public/auth/sign-in', body),
      signOut: () => request<{ ok: true }>('POST', '/api/public/auth/sign-out'),
      session: () => request<SessionResponse>('GET', '/api/public/auth/session'),
      /** A page of my live sessions, newest first. */
      sessions: (q: PageQuery = {}) =>
        request<SessionList>('GET', `/api/public/auth/sessions${query(q)}`),
      revokeSession: (sessionId: string) =>
        request<{ ok: true }>('DELETE', `/api/public/auth/sessions/${id(sessionId)}`),
      /** A short-lived JWT describing the session, for downstream services. */
      jwt: () => request<{ jwt: string }>('GET', '/api/public/auth/token'),
    },
    links: {
      /** Whose account a one-click link opens; never redeems it. */
      previewOneClick: (body: OneClickBody) =>
        request<LinkPreview>('POST', '/api/public/auth/one-click/preview', body),
      redeemOneClick: (body: OneClickBody) =>
        request<SignedInResponse>('POST', '/api/public/auth/one-click', body),
      previewLoginToken: (token: string) =>
        request<LinkPreview>('POST', '/api/public/auth/login-token/preview', { token }),
      redeemLoginToken: (token: string) =>
        request<SignedInResponse>('POST', '/api/public/auth/login-token', { token }),
      /** "Email me a sign-in link": the same answer whether or not the address has an account. */
      requestEmailLink: (email: string) =>
        request<{ ok: true; message: string }>('POST', '/api/public/auth/email-link', { email }),
    },
    impersonation: {
      /** Team door: a 60-second, single-use hand-off token for a coworker's profile. */
      teamHandoff: (coworkerId: number, reason?: string) =>
        request<HandoffResponse>(
          'GET',
          `/api/public/coworkers/${id(coworkerId)}/impersonate${query({ reason })}`,
        ),
      /** Operator door: reason required. */
      operatorHandoff: (q: OperatorImpersonateQuery) =>
        request<HandoffResponse>('GET', `/api/sys/users/impersonate${query(q)}`),
      /** Exchange the hand-off token, from the same session that asked for it. */
      exchange: (handoffToken: string) =>
        request<SignedInResponse>('POST', `/api/public/auth/login/${id(handoffToken)}`),
      leave: () => request<SessionResponse>('POST', '/api/public/auth/impersonation/leave'),
    },
    account: {
      accessHistory: () =>
        request<AccessHistoryResponse>('GET', '/api/public/account/access-history'),
      setImpersonationPreference: (allowTeamImpersonation: boolean) =>
        request<{ profileId: number; allowTeamImpersonation: boolean }>(
          'PUT',
          '/api/public/account/impersonation-preference',
          { allowTeamImpersonation },
        ),
      changePassword: (body: ChangePasswordBody) =>
        request<{ ok: true }>('PUT', '/api/public/account/password', body),
      /** The live sign-in links and login tokens anyone made for me. */
      credentials: () => request<AccountCredentials>('GET', '/api/public/account/credentials'),
      revokeCredential: (kind: CredentialKind, credentialId: string) =>
        request<{ ok: true }>(
          'DELETE',
          `/api/public/account/credentials/${id(kind)}/${id(credentialId)}`,
        ),
    },
    profiles: {
      /** My profiles, then a page of the coworkers I may sign in as (`query` finds them). */
      list: (q: SearchPageQuery = {}) =>
        request<ProfilesResponse>('GET', `/api/public/coworkers/profiles${query(q)}`),
      switchTo: (profileId: number) =>
        request<SignedInResponse>('PUT', '/api/public/coworkers/profiles/current', {
          Id: profileId,
        }),
    },
    team: {
      /** A page of the team in name order (`query` finds members by name or email). */
      members: (q: SearchPageQuery = {}) =>
        request<TeamMembersResponse>('GET', `/api/public/team/members${query(q)}`),
      updateMember: (profileId: number, body: UpdateTeamMemberBody) =>
        request<{ member: TeamMember }>('PATCH', `/api/public/team/members/${id(profileId)}`, body),
      settings: () => request<{ settings: TeamSettings }>('GET', '/api/public/team/settings'),
      updateSettings: (body: UpdateTeamSettingsBody) =>
        request<{ settings: TeamSettings }>('PUT', '/api/public/team/settings', body),
    },
    audit: {
      list: (q: AuditListQuery = {}) =>
        request<AuditPage>('GET', `/api/sys/audit-events${query(q)}`),
      teamList: (q: AuditListQuery = {}) =>
        request<AuditPage>('GET', `/api/public/team/audit-events${query(q)}`),
      verify: () => request<AuditVerification>('GET', '/api/sys/audit-events/verify'),
      impersonation: (impersonationId: string) =>
        request<ImpersonationReport>('GET', `/api/sys/impersonations/${id(impersonationId)}`),
      teamImpersonation: (impersonationId: string) =>
        request<ImpersonationReport>(
          'GET',
          `/api/public/team/impersonations/${id(impersonationId)}`,
        ),
      /** Where the export of these filters downloads from (a link, not a fetch). */
      exportUrl: (
        format: 'ndjson' | 'csv',
        q: AuditListQuery = {},
        scope: 'sys' | 'team' = 'sys',
      ) =>
        `${baseUrl}/api/${scope === 'sys' ? 'sys' : 'public/team'}/audit-events/export${query({ ...q, format })}`,
    },
    loginTokens: {
      list: (q: LoginTokensQuery = {}) =>
        request<LoginTokenList>('GET', `/api/sys/login-tokens${query(q)}`),
      /** A token handed over (support, integration, anonymous): its URL comes back, once. */
      create: (body: CreateLoginTokenBody) =>
        request<CreatedLoginToken>('POST', '/api/sys/login-tokens', body),
      /** A token for a person, emailed to them (`use: 'email'`): where it went, never the URL. */
      email: (body: Omit<CreateLoginTokenBody, 'use'>) =>
        request<SentLoginToken>('POST', '/api/sys/login-tokens', { ...body, use: 'email' }),
      subjects: (search: string) =>
        request<SubjectCandidates>(
          'GET',
          `/api/sys/login-tokens/subjects${query({ query: search })}`,
        ),
      details: (tokenId: number) =>
        request<LoginTokenDetails>('GET', `/api/sys/login-tokens/${id(tokenId)}`),
      remove: (tokenId: number) =>
        request<{ ok: true }>('DELETE', `/api/sys/login-tokens/${id(tokenId)}`),
    },
    apiKeys: {
      list: () => request<{ keys: ApiKeySummary[] }>('GET', '/api/sys/api-keys'),
      create: (body: CreateApiKeyBody) => request<CreatedApiKey>('POST', '/api/sys/api-keys', body),
      revoke: (keyId: string) => request<{ ok: true }>('DELETE', `/api/sys/api-keys/${id(keyId)}`),
    },
    sys: {
      /** A handed-over link (`delivery: 'handover'`): its URL comes back, once. */
      oneClickLink: (body: CreateOneClickLinkBody) =>
        request<OneClickLinkResponse>('POST', '/api/sys/one-click-links', body),
      /** A link emailed to the user (the default delivery): where it went, never the URL. */
      emailOneClickLink: (body: Omit<CreateOneClickLinkBody, 'delivery'>) =>
        request<SentCredentialResponse>('POST', '/api/sys/one-click-links', {
          ...body,
          delivery: 'email',
        }),
      /** Support emails a customer a sign-in link; the email names the operator and reason. */
      emailSignInLink: (userId: number, reason: string) =>
        request<{ expiresAt: string }>('POST', `/api/sys/users/${id(userId)}/email-sign-in-link`, {
          reason,
        }),
      /** Idempotent on the email address: a repeat answers 200 with the existing user. */
      provisionUser: (body: ProvisionUserBody) =>
        request<ProvisionUserResponse>('POST', '/api/sys/users', body),
      /** The local mail outbox (no SMTP server configured), newest first. */
      outbox: (q: OutboxQuery = {}) => request<OutboxResponse>('GET', `/api/sys/outbox${query(q)}`),
      organizations: (search?: string) =>
        request<OrganizationsResponse>('GET', `/api/sys/organizations${query({ query: search })}`),
      /** A page of users in name order; `query` finds them by name, email or organization. */
      users: (q: SearchPageQuery = {}) =>
        request<AdminUsersResponse>('GET', `/api/sys/users${query(q)}`),
      settings: () => request<{ settings: GlobalSettings }>('GET', '/api/sys/settings'),
      updateSettings: (body: UpdateGlobalSettingsBody) =>
        request<{ settings: GlobalSettings }>('PUT', '/api/sys/settings', body),
    },
    /** Test mode only (ONBEHALF_TEST_MODE=1): what a QA suite makes, reads and moves. */
    test: {
      createOrganization: (body: CreateTestOrganizationBody = {}) =>
        request<TestOrganization>('POST', '/api/test/organizations', body),
      createOperator: (body: CreateTestOperatorBody = {}) =>
        request<TestOperator>('POST', '/api/test/operators', body),
      mailbox: (to: string, limit?: number) =>
        request<TestMailbox>('GET', `/api/test/mailbox${query({ to, limit })}`),
      clock: () => request<TestClock>('GET', '/api/test/clock'),
      advanceClock: (advanceMs: number) =>
        request<TestClock>('POST', '/api/test/clock', { advanceMs }),
    },
    orders: {
      list: () => request<OrdersResponse>('GET', '/api/public/orders'),
      place: (body: PlaceOrderBody) =>
        request<{ order: Order }>('POST', '/api/public/orders', body),
    },
    invoices: {
      list: () => request<InvoicesResponse>('GET', '/api/public/invoices'),
    },
  };
}

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
