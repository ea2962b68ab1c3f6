import { z } from 'zod';
import { isoDateTime, numericId } from './common.ts';
import { apiKeyScope } from './permissions.ts';

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
] as const;
export const attemptOutcome = z.enum(attemptOutcomes);
export type AttemptOutcome = z.infer<typeof attemptOutcome>;

/** The state a link is in, as the Continue page shows it. */
export const linkStatus = z.enum(['valid', 'invalid', 'expired', 'used', 'revoked']);
export type LinkStatus = z.infer<typeof linkStatus>;

// ---- one-click links --------------------------------------------------------------------

export const createOneClickLinkBody = z.object({
  userId: numericId,
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});
export type CreateOneClickLinkBody = z.infer<typeof createOneClickLinkBody>;
export const oneClickLinkResponse = z.object({ url: z.string(), expiresAt: isoDateTime });
export type OneClickLinkResponse = z.infer<typeof oneClickLinkResponse>;

const linkSecret = z.string().min(1).max(200);
export const oneClickBody = z.object({ userId: numericId, hash: linkSecret });
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
});
export type LinkPreview = z.infer<typeof linkPreview>;

// ---- login tokens -----------------------------------------------------------------------

export const loginTokenSubject = z.discriminatedUnion('type', [
  z.object({ type: z.literal('profile'), profileId: numericId }),
  z.object({ type: z.literal('anonymous') }),
]);
export type LoginTokenSubject = z.infer<typeof loginTokenSubject>;

export const createLoginTokenBody = z.object({
  subject: loginTokenSubject,
  expiresAt: isoDateTime,
  oneTimeUse: z.boolean().default(true),
  extra: z.string().trim().max(2000).optional(),
});
/** What a client sends (oneTimeUse may be left out: it defaults to on). */
export type CreateLoginTokenBody = z.input<typeof createLoginTokenBody>;
export type CreateLoginTokenInput = z.infer<typeof createLoginTokenBody>;
export const createdLoginToken = z.object({
  id: z.number().int(),
  token: z.string(),
  url: z.string(),
});
export type CreatedLoginToken = z.infer<typeof createdLoginToken>;

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
});
export type LoginTokenSummary = z.infer<typeof loginTokenSummary>;

export const loginTokensQuery = z.object({
  query: z.string().trim().max(200).optional(),
  state: loginTokenState.optional(),
});
export const loginTokenList = z.object({ tokens: z.array(loginTokenSummary) });
export type LoginTokenList = z.infer<typeof loginTokenList>;

export const loginAttempt = z.object({
  at: isoDateTime,
  outcome: attemptOutcome,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type LoginAttempt = z.infer<typeof loginAttempt>;

export const loginTokenDetails = z.object({
  token: loginTokenSummary,
  attempts: z.array(loginAttempt),
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

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(apiKeyScope).min(1).max(10),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;
export const apiKeySummary = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(apiKeyScope),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});
export type ApiKeySummary = z.infer<typeof apiKeySummary>;
export const apiKeyList = z.object({ keys: z.array(apiKeySummary) });
export const createdApiKey = z.object({ key: apiKeySummary, secret: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKey>;
export const apiKeyIdParam = z.object({ id: z.string().min(1).max(64) });
