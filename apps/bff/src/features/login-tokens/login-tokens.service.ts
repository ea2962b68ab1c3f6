import type {
  AttemptOutcome,
  CreatedLoginToken,
  CreateLoginTokenInput,
  LinkPreview,
  LinkStatus,
  LoginTokenDetails,
  LoginTokenList,
  LoginTokenState,
  LoginTokenSummary,
  SubjectCandidates,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { recordAudit } from '../../lib/audit.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import {
  linkErrorFor,
  mintLinkSession,
  refuseDuringImpersonation,
  signedInAs,
} from '../../lib/link-sign-in.ts';
import { maskEmail, recordAttempt } from '../../lib/login-attempts.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../lib/principal.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { readSetting } from '../../lib/settings.ts';
import { constantTimeEqual, randomToken, sha256 } from '../../lib/tokens.ts';
import {
  claimUse,
  countFailure,
  findSubjectProfile,
  findToken,
  insertToken,
  listAttempts,
  listTokens,
  markDeleted,
  searchSubjects,
  setSecretHash,
  type TokenWithParties,
} from './login-tokens.repo.ts';

const TOKEN_FORMAT = /^(\d{1,15})\.([\w-]{43})$/;
const DAY = 24 * 60 * 60 * 1000;

function stateOf(row: TokenWithParties['token'], now: number): LoginTokenState {
  if (row.deletedAt !== null) return 'deleted';
  if (row.usedUpAt !== null) return 'used';
  return now >= row.expiresAt ? 'expired' : 'active';
}

function toSummary(r: TokenWithParties, now: number): LoginTokenSummary {
  const { token, user, organization } = r;
  return {
    id: token.id,
    name: user?.name ?? 'Anonymous user',
    email: user?.email ?? null,
    type: !organization ? 'Anonymous' : organization.kind === 'company' ? 'Contact' : 'Customer',
    profileId: token.profileId,
    organizationName: organization?.name ?? null,
    expiresAt: toIso(token.expiresAt),
    lastAccessedAt: token.lastAccessedAt ? toIso(token.lastAccessedAt) : null,
    successfulAttempts: token.successfulAttempts,
    failedAttempts: token.failedAttempts,
    oneTimeUse: token.oneTimeUse,
    extra: token.extra,
    state: stateOf(token, now),
    createdAt: toIso(token.createdAt),
    createdBy: r.creatorName,
  };
}

export function loginTokenUrl(origin: string, token: string): string {
  return `${origin}/login?token=${encodeURIComponent(token)}`;
}

/** New Login Token: the token and its URL are returned once; only a hash is stored. */
export function createLoginToken(
  deps: AppDeps,
  principal: Principal,
  body: CreateLoginTokenInput,
  meta: RequestMeta,
): CreatedLoginToken {
  if (principal.kind === 'session') refuseDuringImpersonation(principal.auth);
  const { db, clock, env } = deps;
  const now = clock.now();
  const expiresAt = Date.parse(body.expiresAt);
  const maxDays = readSetting(db, 'login_tokens').maxDays;
  if (!(expiresAt > now) || expiresAt > now + maxDays * DAY) {
    throw new AppError('validation_failed', {
      message: `Expires at must be in the future and within ${maxDays} days.`,
      issues: [{ path: 'expiresAt', message: 'Out of range.' }],
    });
  }
  let subject: ReturnType<typeof findSubjectProfile> | undefined;
  if (body.subject.type === 'profile') {
    subject = findSubjectProfile(db, body.subject.profileId);
    if (subject?.user.kind !== 'customer') {
      throw new AppError('not_found', { message: 'No such contact or customer.' });
    }
    if (subject.user.status !== 'active') throw new AppError('account_disabled');
  }
  const secret = randomToken();
  const party = principalAuditParty(principal);
  const id = db.transaction((tx) => {
    const tokenId = insertToken(tx, {
      profileId: subject?.profile.id ?? null,
      createdAt: now,
      expiresAt,
      oneTimeUse: body.oneTimeUse,
      extra: body.extra || null,
      ...principalCreatedBy(principal),
    });
    setSecretHash(tx, tokenId, sha256(secret));
    recordAudit(
      tx,
      {
        type: 'login_token.created',
        at: now,
        ...party,
        subjectUserId: subject?.user.id ?? null,
        organizationId: subject?.organization.id ?? null,
        details: {
          ...party.details,
          loginTokenId: tokenId,
          anonymous: !subject,
          oneTimeUse: body.oneTimeUse,
          expiresAt,
        },
      },
      meta,
    );
    return tokenId;
  });
  const token = `${id}.${secret}`;
  return { id, token, url: loginTokenUrl(env.PUBLIC_ORIGIN, token) };
}

export function listLoginTokens(
  deps: AppDeps,
  query?: string,
  state?: LoginTokenState,
): LoginTokenList {
  const now = deps.clock.now();
  return { tokens: listTokens(deps.db, now, query, state).map((r) => toSummary(r, now)) };
}

export function loginTokenDetails(deps: AppDeps, id: number): LoginTokenDetails {
  const found = findToken(deps.db, id);
  if (!found) throw new AppError('not_found', { message: 'No such login token.' });
  return {
    token: toSummary(found, deps.clock.now()),
    attempts: listAttempts(deps.db, id).map((a) => ({
      at: toIso(a.at),
      outcome: a.outcome,
      ip: a.ip,
      userAgent: a.userAgent,
    })),
  };
}

/** Irrecoverable: the secret hash is wiped; the row stays so the audit trail and counts do. */
export function deleteLoginToken(
  deps: AppDeps,
  principal: Principal,
  id: number,
  meta: RequestMeta,
) {
  if (principal.kind === 'session') refuseDuringImpersonation(principal.auth);
  const found = findToken(deps.db, id);
  if (!found || found.token.deletedAt !== null) {
    throw new AppError('not_found', { message: 'No such login token.' });
  }
  const now = deps.clock.now();
  const party = principalAuditParty(principal);
  deps.db.transaction((tx) => {
    markDeleted(tx, id, now);
    recordAudit(
      tx,
      {
        type: 'login_token.deleted',
        at: now,
        ...party,
        subjectUserId: found.user?.id ?? null,
        organizationId: found.organization?.id ?? null,
        details: { ...party.details, loginTokenId: id },
      },
      meta,
    );
  });
}

export function searchLoginTokenSubjects(deps: AppDeps, query: string): SubjectCandidates {
  return {
    candidates: searchSubjects(deps.db, query).map(({ profile, user, organization }) => ({
      profileId: profile.id,
      name: user.name,
      email: user.email,
      type: organization.kind === 'company' ? 'Contact' : 'Customer',
      organizationName: organization.name,
    })),
  };
}

type Evaluated =
  | { status: 'valid'; found: TokenWithParties }
  | { status: Exclude<LinkStatus, 'valid'>; outcome: AttemptOutcome; found?: TokenWithParties };

/** Parses `{id}.{secret}` and decides what state the token is in at this instant. */
function evaluate(deps: AppDeps, raw: string): Evaluated {
  const match = TOKEN_FORMAT.exec(raw.trim());
  if (!match) return { status: 'invalid', outcome: 'invalid' };
  const [, idText = '', secret = ''] = match;
  const found = findToken(deps.db, Number(idText));
  if (!found) return { status: 'invalid', outcome: 'invalid' };
  const { token, user } = found;
  if (token.deletedAt !== null || token.secretHash === null) {
    return { status: 'revoked', outcome: 'deleted', found };
  }
  if (!constantTimeEqual(token.secretHash, sha256(secret))) {
    return { status: 'invalid', outcome: 'wrong_secret', found };
  }
  if (token.usedUpAt !== null) return { status: 'used', outcome: 'used', found };
  if (deps.clock.now() >= token.expiresAt) return { status: 'expired', outcome: 'expired', found };
  if (user && user.status !== 'active')
    return { status: 'invalid', outcome: 'user_disabled', found };
  return { status: 'valid', found };
}

async function recordFailure(
  deps: AppDeps,
  found: TokenWithParties | undefined,
  outcome: AttemptOutcome,
  meta: RequestMeta,
) {
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    if (found) countFailure(tx, found.token.id, now);
    recordAttempt(
      tx,
      {
        kind: 'login_token',
        loginTokenId: found?.token.id ?? null,
        userId: found?.user?.id ?? null,
        outcome,
        at: now,
      },
      meta,
    );
    recordAudit(
      tx,
      {
        type: 'login_token.failed',
        at: now,
        actor: { userId: null, kind: 'anonymous' },
        subjectUserId: found?.user?.id ?? null,
        organizationId: found?.organization?.id ?? null,
        details: { loginTokenId: found?.token.id ?? null, outcome },
      },
      meta,
    );
  });
  await deps.limiters.recordRedeemFailure(meta.ip);
}

/** The `/login?token=` page's view. A token that no longer works counts a failed attempt. */
export async function previewLoginToken(
  deps: AppDeps,
  raw: string,
  meta: RequestMeta,
): Promise<LinkPreview> {
  await deps.limiters.assertRedeemAllowed(meta.ip);
  const evaluated = evaluate(deps, raw);
  if (evaluated.status !== 'valid') {
    await recordFailure(deps, evaluated.found, evaluated.outcome, meta);
    return { status: evaluated.status, account: null, expiresAt: null };
  }
  const { user, organization, token } = evaluated.found;
  return {
    status: 'valid',
    account: user
      ? {
          name: user.name,
          email: maskEmail(user.email),
          organizationName: organization?.name ?? null,
          kind: 'user',
        }
      : { name: 'Guest', email: '', organizationName: null, kind: 'anonymous' },
    expiresAt: toIso(token.expiresAt),
  };
}

/** Redeems a login token: a new session per use; a one-time token dies at its first success. */
export async function redeemLoginToken(
  deps: AppDeps,
  current: AuthContext | null,
  raw: string,
  meta: RequestMeta,
) {
  refuseDuringImpersonation(current);
  await deps.limiters.assertRedeemAllowed(meta.ip);
  const evaluated = evaluate(deps, raw);
  if (evaluated.status !== 'valid') {
    await recordFailure(deps, evaluated.found, evaluated.outcome, meta);
    throw new AppError(linkErrorFor[evaluated.status]);
  }
  const { token, user, profile, organization } = evaluated.found;
  const now = deps.clock.now();
  const minted = deps.db.transaction((tx) => {
    if (!claimUse(tx, token.id, token.oneTimeUse, now)) return null;
    const result = mintLinkSession(
      tx,
      { userId: user?.id ?? null, profileId: token.profileId, method: 'login_token' },
      current,
      now,
      meta,
    );
    recordAttempt(
      tx,
      {
        kind: 'login_token',
        loginTokenId: token.id,
        userId: user?.id ?? null,
        outcome: 'success',
        at: now,
      },
      meta,
    );
    recordAudit(
      tx,
      {
        type: 'login_token.used',
        at: now,
        actor: { userId: user?.id ?? null, kind: user ? user.kind : 'anonymous' },
        subjectUserId: user?.id ?? null,
        organizationId: organization?.id ?? null,
        sessionId: result.session.id,
        details: { loginTokenId: token.id, oneTimeUse: token.oneTimeUse },
      },
      meta,
    );
    return result;
  });
  if (!minted) {
    await recordFailure(deps, evaluated.found, 'used', meta);
    throw new AppError('link_used');
  }
  return signedInAs(deps, minted, { user, profile, organization });
}
