import { z } from 'zod';
import {
  bodyId,
  displayName,
  isoDateTime,
  listOf,
  nextCursor,
  numericId,
  type PageQuery,
  pageQuery,
  type SearchPageQuery,
  searchPageQuery,
} from './common.ts';
import { apiKeyScope, operatorRole } from './permissions.ts';

// ---- credentials made for someone else (SPEC §4b) ------------------------------------------

/** Which kind of credential: a one-click link or a login token. */
export const credentialKind = z.enum(['one_click', 'login_token']);
export type CredentialKind = z.infer<typeof credentialKind>;

/**
 * Who will use a credential: the user it was **delivered** to by email; its maker, to whom it
 * was handed over to see the customer's view (**support**: an impersonation by the maker); or
 * a system it was handed over to (**integration**, e.g. OCI punch-out).
 */
export const credentialPurpose = z.enum(['delivered', 'support', 'integration']);
export type CredentialPurpose = z.infer<typeof credentialPurpose>;

/** How a one-click link travels: emailed to the user (the default), or handed to its maker. */
export const linkDelivery = z.enum(['email', 'handover']);
export type LinkDelivery = z.infer<typeof linkDelivery>;

/** Who will use a login token for a profile: the customer by email, me for support, a system. */
export const loginTokenUse = z.enum(['email', 'support', 'integration']);
export type LoginTokenUse = z.infer<typeof loginTokenUse>;

/** Why a credential stopped working before its expiry. */
export const credentialEndReason = z.enum([
  'deleted',
  'revoked_by_user',
  'password_changed',
  'user_disabled',
  'maker_lost_right',
  /** Its email could not be sent: a link nobody received must not stay redeemable. */
  'undelivered',
]);
export type CredentialEndReason = z.infer<typeof credentialEndReason>;

/** Who made a credential, as the person it was made for sees them: staff by name and role. */
export const credentialMaker = z.object({
  kind: z.enum(['operator', 'api_key', 'self', 'system']),
  name: z.string(),
  operatorRole: operatorRole.nullable(),
});
export type CredentialMaker = z.infer<typeof credentialMaker>;

/** A reason for acting as someone: required for support handovers (SPEC §4 rule, §4b). */
const handoverReason = z.string().trim().max(500);

/** How a link or token attempt ended; every attempt is recorded with one of these. */
export const attemptOutcomes = [
  'success',
  'invalid',
  'expired',
  'used',
  'revoked',
  'deleted',
  'wrong_secret',
  'user_disabled',
  'password_changed',
  'not_maker',
  'refused',
] as const;
export const attemptOutcome = z.enum(attemptOutcomes);
export type AttemptOutcome = z.infer<typeof attemptOutcome>;

/** The state a link is in, as the Continue page shows it. */
export const linkStatus = z.enum(['valid', 'invalid', 'expired', 'used', 'revoked']);
export type LinkStatus = z.infer<typeof linkStatus>;

// ---- one-click links --------------------------------------------------------------------

export const createOneClickLinkBody = z.object({
  userId: bodyId,
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** `email` (default): the server mails it to the user. `handover`: the URL comes back. */
  delivery: linkDelivery.default('email'),
  /** The profile a handed-over link opens, for a user with several. */
  profileId: bodyId.optional(),
  /** Required for a handover by a person: it is an impersonation. Quoted in the email otherwise. */
  reason: handoverReason.optional(),
  ticket: z.string().trim().max(100).optional(),
});
export type CreateOneClickLinkBody = z.input<typeof createOneClickLinkBody>;
export type CreateOneClickLinkInput = z.infer<typeof createOneClickLinkBody>;
/** A handed-over link: its URL, shown once. */
export const oneClickLinkResponse = z.object({ url: z.string(), expiresAt: isoDateTime });
export type OneClickLinkResponse = z.infer<typeof oneClickLinkResponse>;
/** A delivered credential: where it went (masked) and until when; never the secret. */
export const sentCredentialResponse = z.object({
  sentTo: z.string(),
  expiresAt: isoDateTime,
});
export type SentCredentialResponse = z.infer<typeof sentCredentialResponse>;

const linkSecret = z.string().min(1).max(200);
export const oneClickBody = z.object({ userId: bodyId, hash: linkSecret });
export type OneClickBody = z.infer<typeof oneClickBody>;

/** What the Continue page may show before anything is redeemed: whose account, and whether it works. */
export const linkPreview = z.object({
  status: linkStatus,
  account: z
    .object({
      name: z.string(),
      /** Masked, so a forwarded link does not reveal the full address. */
      email: z.string(),
      organizationName: z.string().nullable(),
      kind: z.enum(['user', 'anonymous']),
    })
    .nullable(),
  expiresAt: isoDateTime.nullable(),
  /** Who it is for: a support handover opens only for its maker, as an impersonation. */
  purpose: credentialPurpose.nullable(),
  maker: credentialMaker.nullable(),
});
export type LinkPreview = z.infer<typeof linkPreview>;

// ---- login tokens -----------------------------------------------------------------------

export const loginTokenSubject = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('profile'), profileId: bodyId }),
  z.strictObject({ type: z.literal('anonymous') }),
]);
export type LoginTokenSubject = z.infer<typeof loginTokenSubject>;

export const createLoginTokenBody = z
  .object({
    subject: loginTokenSubject,
    expiresAt: isoDateTime,
    oneTimeUse: z.boolean().default(true),
    extra: z.string().trim().max(2000).optional(),
    /** Who will use it; required for a profile, absent for an anonymous (guest) token. */
    use: loginTokenUse.optional(),
    /** Required for `support`: it is an impersonation by the maker. */
    reason: handoverReason.optional(),
    ticket: z.string().trim().max(100).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.subject.type === 'profile' && body.use === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['use'],
        message: 'Say who will use it: email, support or integration.',
      });
    }
    if (body.subject.type === 'anonymous' && body.use !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['use'],
        message: 'An anonymous token signs in a guest, never a person: leave use out.',
      });
    }
  });
/** What a client sends (oneTimeUse may be left out: it defaults to on). */
export type CreateLoginTokenBody = z.input<typeof createLoginTokenBody>;
export type CreateLoginTokenInput = z.infer<typeof createLoginTokenBody>;
/** A token handed over (support, integration, anonymous): its secret and URL, shown once. */
export const createdLoginToken = z.object({
  id: z.number().int(),
  token: z.string(),
  url: z.string(),
});
export type CreatedLoginToken = z.infer<typeof createdLoginToken>;
/** A token delivered by email: where it went, never the secret. */
export const sentLoginToken = sentCredentialResponse.extend({ id: z.number().int() });
export type SentLoginToken = z.infer<typeof sentLoginToken>;

export const loginTokenType = z.enum(['Contact', 'Customer', 'Anonymous']);
export const loginTokenState = z.enum(['active', 'expired', 'used', 'deleted']);
export type LoginTokenState = z.infer<typeof loginTokenState>;

export const loginTokenSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string().nullable(),
  type: loginTokenType,
  profileId: z.number().int().nullable(),
  organizationName: z.string().nullable(),
  expiresAt: isoDateTime,
  lastAccessedAt: isoDateTime.nullable(),
  successfulAttempts: z.number().int(),
  failedAttempts: z.number().int(),
  oneTimeUse: z.boolean(),
  extra: z.string().nullable(),
  state: loginTokenState,
  createdAt: isoDateTime,
  createdBy: z.string().nullable(),
  use: loginTokenUse.nullable(),
  reason: z.string().nullable(),
  endedReason: credentialEndReason.nullable(),
});
export type LoginTokenSummary = z.infer<typeof loginTokenSummary>;

export const loginTokensQuery = searchPageQuery.extend({ state: loginTokenState.optional() });
export type LoginTokensQuery = SearchPageQuery & { state?: LoginTokenState };
/** A page of tokens, newest first. */
/**
 * A page of login tokens. A text search covers a bounded range of tokens per request, so a page
 * may hold fewer than asked, even none, and still have a `nextCursor`: follow it until null.
 */
export const loginTokenList = z.object({ tokens: z.array(loginTokenSummary), nextCursor });
export type LoginTokenList = z.infer<typeof loginTokenList>;

export const loginAttempt = z.object({
  id: z.number().int(),
  at: isoDateTime,
  outcome: attemptOutcome,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type LoginAttempt = z.infer<typeof loginAttempt>;

/** A page of a token's attempts, newest first, with the token. */
export const loginTokenDetailsQuery = pageQuery;
export const loginTokenDetails = z.object({
  token: loginTokenSummary,
  attempts: z.array(loginAttempt),
  /** Where the next page of attempts starts, or null on the last. */
  nextCursor,
});
export type LoginTokenDetails = z.infer<typeof loginTokenDetails>;
export const loginTokenIdParam = z.object({ id: numericId });

export const redeemLoginTokenBody = z.object({ token: linkSecret });
export type RedeemLoginTokenBody = z.infer<typeof redeemLoginTokenBody>;

/** Search for the New Login Token popup: contacts and customers by name or email. */
export const subjectSearchQuery = z.object({ query: z.string().trim().min(1).max(200) });
export const subjectCandidate = z.object({
  profileId: z.number().int(),
  name: z.string(),
  email: z.string(),
  type: z.enum(['Contact', 'Customer']),
  organizationName: z.string(),
});
export const subjectCandidates = z.object({ candidates: z.array(subjectCandidate) });
export type SubjectCandidates = z.infer<typeof subjectCandidates>;

// ---- API keys -----------------------------------------------------------------------------

/** API keys expire: 90 days unless chosen, at most a year. */
export const API_KEY_DEFAULT_DAYS = 90;
export const API_KEY_MAX_DAYS = 366;

export const createApiKeyBody = z.object({
  name: displayName(100),
  scopes: listOf(apiKeyScope, { min: 1, max: 10 }),
  /** The organizations whose people it may act for. */
  organizationIds: listOf(z.number().int().positive(), { min: 1, max: 100 }),
  expiresInDays: z.number().int().min(1).max(API_KEY_MAX_DAYS).default(API_KEY_DEFAULT_DAYS),
});
export type CreateApiKeyBody = z.input<typeof createApiKeyBody>;
export type CreateApiKeyInput = z.infer<typeof createApiKeyBody>;
export const apiKeySummary = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(apiKeyScope),
  organizations: z.array(z.object({ id: z.number().int(), name: z.string() })),
  createdAt: isoDateTime,
  createdBy: z.string().nullable(),
  expiresAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
export type ApiKeySummary = z.infer<typeof apiKeySummary>;
/** A page of the API keys, newest first. */
export const apiKeysQuery = pageQuery;
export const apiKeyList = z.object({ keys: z.array(apiKeySummary), nextCursor });
export type ApiKeyList = z.infer<typeof apiKeyList>;
export const createdApiKey = z.object({ key: apiKeySummary, secret: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKey>;
export const apiKeyIdParam = z.object({ id: z.string().min(1).max(64) });

// ---- what the person a credential was made for sees (Account) -----------------------------

export const accountCredential = z.object({
  kind: credentialKind,
  id: z.string(),
  purpose: credentialPurpose,
  /** The token's Extra, or the link's kind, so the person can tell them apart. */
  name: z.string(),
  maker: credentialMaker,
  organizationName: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  oneTimeUse: z.boolean(),
  uses: z.number().int(),
  lastUsedAt: isoDateTime.nullable(),
  /**
   * An impersonation it started still acts as me: withdrawing it ends that. Those that no
   * longer work (a support token or handover link used) are listed first, on the first page.
   */
  inUse: z.boolean(),
});
export type AccountCredential = z.infer<typeof accountCredential>;
/**
 * Who holds a credential made for me: I do (a link or token emailed to me), or someone else
 * does (support handed one to themselves, or one was handed to a system): those are the ways
 * others can sign in as me, which a person looking for them must not have to page past their
 * own sign-in links to find.
 */
export const credentialHolder = z.enum(['me', 'others']);
export type CredentialHolder = z.infer<typeof credentialHolder>;
/** A page of the live credentials made for me, those held by one holder only when asked. */
export const accountCredentialsQuery = pageQuery.extend({ heldBy: credentialHolder.optional() });
export type AccountCredentialsQuery = PageQuery & { heldBy?: CredentialHolder };
/**
 * A page of them, newest made first (same instant: links before tokens, each kind by the higher
 * id), so that the cursor says where the next page starts in both kinds.
 */
export const accountCredentials = z.object({
  credentials: z.array(accountCredential),
  nextCursor,
});
export type AccountCredentials = z.infer<typeof accountCredentials>;
export const accountCredentialParams = z.object({
  kind: credentialKind,
  id: z.string().min(1).max(64),
});
