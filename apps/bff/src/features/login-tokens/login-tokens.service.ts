import { DECIMAL_ID } from '@onbehalf/contracts/common';
import type {
  AttemptOutcome,
  CreatedLoginToken,
  CreateLoginTokenInput,
  CredentialPurpose,
  LinkPreview,
  LinkStatus,
  LoginTokenDetails,
  LoginTokenList,
  LoginTokenState,
  LoginTokenSummary,
  LoginTokenUse,
  SentLoginToken,
  SubjectCandidates,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { madeAhead } from '../../domain/clock-leeway.ts';
import {
  hasReason,
  integrationBlock,
  integrationRefusal,
  makerHoldsRight,
  previewNamesParties,
  rightsToMake,
  tokenPurpose,
} from '../../domain/credentials/policy.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../http/principal.ts';
import { auditCaller } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { credentialFingerprint, type LoadedMaker } from '../../lib/credential-facts.ts';
import { AppError } from '../../lib/errors.ts';
import type { LoginAttempt } from '../../lib/login-attempt-row.ts';
import { maskEmail } from '../../lib/mask-email.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { constantTimeEqual, randomToken, sha256 } from '../../lib/tokens.ts';
import { linkErrorFor, sessionOpened } from '../auth/new-session.ts';
import {
  type CredentialRefusalRule,
  refuseCredential,
  roomFor,
  writtenWithRoom,
} from '../credentials/credentials.service.ts';
import {
  handover,
  handoverStarted,
  handoverUse,
  recordRefusal,
  resolveOperatorTarget,
} from '../impersonation/impersonation.service.ts';
import type { EntryOfNewSession } from '../impersonation/impersonation.store.ts';
import { deliverLink, type LinkSender } from '../one-click/link-mail.ts';
import type { Redeemed } from '../one-click/one-click.service.ts';
import type { Subject, TokenScope, TokenWithParties } from './login-tokens.store.ts';

const TOKEN_FORMAT = new RegExp(`^(${DECIMAL_ID})\\.([\\w-]{43})$`);
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
    use: token.use,
    reason: token.reason,
    endedReason: token.revokedReason ?? (token.deletedAt !== null ? 'deleted' : null),
  };
}

export function loginTokenUrl(origin: string, token: string): string {
  return `${origin}/login?token=${encodeURIComponent(token)}`;
}

export type CreatedToken =
  | { status: 201; body: CreatedLoginToken }
  | { status: 202; body: SentLoginToken };

/** The profile a token is for: a customer's, and for a key only in its organizations. */
async function subjectFor(
  deps: AppDeps,
  principal: Principal,
  profileId: number,
): Promise<Subject> {
  const subject = await deps.store.loginTokens.subject(profileId);
  const reachable =
    subject &&
    subject.user.kind === 'customer' &&
    (principal.kind !== 'api_key' ||
      principal.key.organizationIds.includes(subject.organization.id));
  if (!subject || !reachable) {
    throw new AppError('not_found', { message: 'No such contact or customer.' });
  }
  return subject;
}

/**
 * New Login Token (SPEC §4b, §6). For a person, `use` says who will use it: `email` mails the
 * login URL to them and answers without the token; `support` is an impersonation by its maker
 * (operator door rules, a reason, and only the maker opens it); `integration` is a system's
 * (integrations allowed there, no team rights). An anonymous token signs in a guest. A token
 * handed over is returned once; only a hash is stored.
 */
export async function createLoginToken(
  deps: AppDeps,
  principal: Principal,
  body: CreateLoginTokenInput,
  meta: RequestMeta,
): Promise<CreatedToken> {
  const { clock, env } = deps;
  const now = clock.now();
  const expiresAt = Date.parse(body.expiresAt);
  const maxDays = (await deps.store.settings.read()).loginTokens.maxDays;
  if (!(expiresAt > now) || expiresAt > now + maxDays * DAY) {
    throw new AppError('validation_failed', {
      message: `Expires at must be in the future and within ${maxDays} days.`,
      issues: [{ path: 'expiresAt', message: 'Out of range.' }],
    });
  }
  let subject: Subject | undefined;
  let purpose: CredentialPurpose | null = null;
  if (body.subject.type === 'profile' && body.use) {
    const use = body.use;
    const refuse = (rule: CredentialRefusalRule, found?: Subject) =>
      refuseCredential(
        deps,
        principal,
        {
          rule,
          kind: 'login_token',
          use,
          subjectUserId: found?.user.id ?? null,
          organizationId: found?.organization.id ?? null,
        },
        meta,
      );
    const asked = tokenPurpose(use, principal.kind === 'api_key' ? 'api_key' : 'person');
    if (asked === 'api_key_not_a_person') return refuse('api_key_not_a_person');
    purpose = asked;
    if (purpose === 'support' && !hasReason(body.reason)) return refuse('reason_required');
    subject = await subjectFor(deps, principal, body.subject.profileId);
    if (subject.user.status !== 'active') return refuse('account_disabled', subject);
    if (purpose === 'support' && principal.kind === 'session') {
      const resolution = await resolveOperatorTarget(
        deps,
        principal.auth,
        subject.user.id,
        subject.profile.id,
      );
      if ('refusal' in resolution) {
        const { refusal } = resolution;
        const details = { door: 'operator', via: 'login_token', targetUserId: subject.user.id };
        await recordRefusal(deps, principal.auth, 'impersonation.refused', refusal, details, meta);
        throw new AppError(refusal.code, refusal.message ? { message: refusal.message } : {});
      }
    }
    if (purpose === 'integration') {
      const block = integrationBlock({
        kind: subject.user.kind,
        status: subject.user.status,
        profile: subject.profile,
        integrationsEnabled: subject.organization.integrationsEnabled,
      });
      if (block) return refuse(block, subject);
    }
  }
  const secret = randomToken();
  const party = principalAuditParty(principal);
  const reason = body.reason || null;
  const created = await deps.store.loginTokens.create({
    token: {
      profileId: subject?.profile.id ?? null,
      secretHash: sha256(secret),
      createdAt: now,
      expiresAt,
      oneTimeUse: body.oneTimeUse,
      extra: body.extra || null,
      use: body.use ?? null,
      reason,
      ticket: body.ticket || null,
      credentialFingerprint: subject ? credentialFingerprint(subject.user) : null,
      ...principalCreatedBy(principal),
    },
    audit: (tokenId) => ({
      type: 'login_token.created',
      at: now,
      ...party,
      subjectUserId: subject?.user.id ?? null,
      organizationId: subject?.organization.id ?? null,
      reason,
      details: {
        ...party.details,
        loginTokenId: tokenId,
        anonymous: !subject,
        use: body.use ?? null,
        oneTimeUse: body.oneTimeUse,
        expiresAt,
      },
    }),
    meta,
    room: subject ? roomFor(subject.user.id) : undefined,
  });
  const id = writtenWithRoom(created);
  const token = `${id}.${secret}`;
  const url = loginTokenUrl(env.PUBLIC_ORIGIN, token);
  if (purpose !== 'delivered' || !subject) return { status: 201, body: { id, token, url } };

  const sender: LinkSender =
    principal.kind === 'session'
      ? { kind: 'operator', name: principal.auth.user?.name ?? 'Support', reason }
      : principal.kind === 'api_key'
        ? { kind: 'integration', name: principal.key.name }
        : { kind: 'self' };
  const credential = { kind: 'login_token' as const, id: String(id), url, expiresAt };
  await deliverLink(deps, subject.user, credential, sender, party.actor, meta);
  return {
    status: 202,
    body: { id, sentTo: maskEmail(subject.user.email), expiresAt: toIso(expiresAt) },
  };
}

/** What an API key may see of tokens: those for people in its organizations, and its own. */
function scopeOf(principal: Principal): TokenScope {
  return principal.kind === 'api_key'
    ? { organizationIds: principal.key.organizationIds, apiKeyId: principal.key.id }
    : null;
}

/** A page of tokens, newest first, searched by person, organization or Extra. */
export async function listLoginTokens(
  deps: AppDeps,
  principal: Principal,
  page: {
    query?: string | undefined;
    state?: LoginTokenState | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<LoginTokenList> {
  const now = deps.clock.now();
  const [before] = decodeCursor(page.cursor, ['number'] as const) ?? [];
  const { rows, resumeBelow } = await deps.store.loginTokens.list({
    now,
    scope: scopeOf(principal),
    query: page.query,
    state: page.state,
    before,
    limit: page.limit,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.token.id]);
  // A search that stopped on its bound goes on below where it stopped, even from a short page.
  const next = nextCursor ?? (resumeBelow !== null ? encodeCursor([resumeBelow]) : null);
  return { tokens: items.map((r) => toSummary(r, now)), nextCursor: next };
}

/**
 * A token the caller may see: an API key sees only its own organizations' and its own, never a
 * support token (an operator's impersonation, with its reason and the operator's address).
 */
async function visibleToken(
  deps: AppDeps,
  principal: Principal,
  id: number,
): Promise<TokenWithParties> {
  // The list's rule, applied by the store: what a key may not see does not exist for it.
  const found = await deps.store.loginTokens.find(id, scopeOf(principal));
  if (!found) throw new AppError('not_found', { message: 'No such login token.' });
  return found;
}

/** A token with its counters, and a page of its attempts, newest first (SPEC §6: every one). */
export async function loginTokenDetails(
  deps: AppDeps,
  principal: Principal,
  id: number,
  page: { cursor?: string | undefined; limit: number },
): Promise<LoginTokenDetails> {
  const found = await visibleToken(deps, principal, id);
  const [before] = decodeCursor(page.cursor, ['number'] as const) ?? [];
  const rows = await deps.store.loginTokens.attempts(id, { before, limit: page.limit });
  const { items, nextCursor } = pageOf(rows, page.limit, (a) => [a.id]);
  return {
    token: toSummary(found, deps.clock.now()),
    nextCursor,
    attempts: items.map((a) => ({
      id: a.id,
      at: toIso(a.at),
      outcome: a.outcome,
      ip: a.ip,
      userAgent: a.userAgent,
    })),
  };
}

/** Irrecoverable: the secret hash is wiped; the row stays so the audit trail and counts do. */
export async function deleteLoginToken(
  deps: AppDeps,
  principal: Principal,
  id: number,
  meta: RequestMeta,
): Promise<void> {
  const found = await visibleToken(deps, principal, id);
  const gone = () => new AppError('not_found', { message: 'No such login token.' });
  if (found.token.deletedAt !== null) throw gone();
  const now = deps.clock.now();
  const party = principalAuditParty(principal);
  const outcome = await deps.store.loginTokens.remove({
    id,
    audit: {
      type: 'login_token.deleted',
      at: now,
      ...party,
      subjectUserId: found.user?.id ?? null,
      organizationId: found.organization?.id ?? null,
      details: { ...party.details, loginTokenId: id },
    },
    now,
    meta,
  });
  // Another deletion came first: as if this one had come a moment later.
  if (outcome === 'already_deleted') throw gone();
}

/** The most people the subject search offers. */
const SUBJECTS_OFFERED = 20;

export async function searchLoginTokenSubjects(
  deps: AppDeps,
  principal: Principal,
  query: string,
): Promise<SubjectCandidates> {
  const scope = scopeOf(principal);
  const found = await deps.store.loginTokens.searchSubjects(
    query,
    scope?.organizationIds,
    SUBJECTS_OFFERED,
  );
  return {
    candidates: found.map(({ profile, user, organization }) => ({
      profileId: profile.id,
      name: user.name,
      email: user.email,
      type: organization.kind === 'company' ? 'Contact' : 'Customer',
      organizationName: organization.name,
    })),
  };
}

type Evaluated =
  | { status: 'valid'; found: TokenWithParties; maker: LoadedMaker }
  | {
      status: Exclude<LinkStatus, 'valid'>;
      outcome: AttemptOutcome;
      found?: TokenWithParties;
    };

/** Parses `{id}.{secret}` and decides what state the token is in at this instant. */
async function evaluate(deps: AppDeps, raw: string): Promise<Evaluated> {
  const match = TOKEN_FORMAT.exec(raw.trim());
  if (!match) return { status: 'invalid', outcome: 'invalid' };
  const [, idText = '', secret = ''] = match;
  const found = await deps.store.loginTokens.find(Number(idText));
  if (!found) return { status: 'invalid', outcome: 'invalid' };
  const { token, user, organization } = found;
  if (token.deletedAt !== null || token.secretHash === null) {
    // Its secret was erased with it, so nothing tells its holder from a guesser: it counts as
    // a guess (below), or any id once deleted would take guesses, each audited, without end.
    return { status: 'revoked', outcome: 'deleted', found };
  }
  if (!constantTimeEqual(token.secretHash, sha256(secret))) {
    return { status: 'invalid', outcome: 'wrong_secret', found };
  }
  const now = deps.clock.now();
  if (token.usedUpAt !== null) return { status: 'used', outcome: 'used', found };
  // Made on a clock ahead of this one, it would outlive its expiry here: expired for it.
  if (now >= token.expiresAt || madeAhead(token.createdAt, now)) {
    return { status: 'expired', outcome: 'expired', found };
  }
  if (user && user.status !== 'active')
    return { status: 'invalid', outcome: 'user_disabled', found };
  if (
    user &&
    token.credentialFingerprint &&
    token.credentialFingerprint !== credentialFingerprint(user)
  ) {
    return { status: 'revoked', outcome: 'password_changed', found };
  }
  // A token dies with its maker's right to make it (SPEC §4b).
  const maker = await deps.store.loginTokens.makerOf(token, user?.id ?? null);
  const opened = organization ? [organization.id] : [];
  if (!makerHoldsRight(maker.policy, rightsToMake.login_token, opened, now)) {
    return { status: 'revoked', outcome: 'revoked', found };
  }
  return { status: 'valid', found, maker };
}

/**
 * A redemption whose claim lost, answered and recorded as the token now is: used up by the one
 * that won, or withdrawn meanwhile (deleted, revoked, its person disabled). Never "used" for a
 * token no one used.
 */
async function lostRace(
  deps: AppDeps,
  current: AuthContext | null,
  raw: string,
  meta: RequestMeta,
): Promise<never> {
  const now = await evaluate(deps, raw);
  const { status, outcome } =
    now.status === 'valid' ? { status: 'used' as const, outcome: 'used' as const } : now;
  await recordFailure(deps, current, now.found, outcome, meta);
  throw new AppError(linkErrorFor[status]);
}

async function recordFailure(
  deps: AppDeps,
  caller: AuthContext | null,
  found: TokenWithParties | undefined,
  outcome: AttemptOutcome,
  meta: RequestMeta,
) {
  const now = deps.clock.now();
  await deps.store.loginTokens.recordFailure({
    tokenId: found?.token.id ?? null,
    attempt: {
      kind: 'login_token',
      loginTokenId: found?.token.id ?? null,
      userId: found?.user?.id ?? null,
      outcome,
      at: now,
    },
    audit: {
      type: 'login_token.failed',
      at: now,
      ...auditCaller(caller),
      subjectUserId: found?.user?.id ?? null,
      organizationId: found?.organization?.id ?? null,
      details: { loginTokenId: found?.token.id ?? null, outcome },
    },
    now,
    meta,
    // Written once a minute per caller and what failed, and counted: a real token that no
    // longer works is presented as often as anyone likes (no guess budget counts it), and
    // guesses from an address the allowlist exempts from that budget, or from many addresses,
    // must not flood the trail either (SPEC §8b).
    repeats: found ? `${outcome}:${found.token.id}` : outcome,
  });
}

/** A guess: what an unknown or wrong secret looks like. The guess budget bounds these. */
const isGuess = (outcome: AttemptOutcome) =>
  outcome === 'invalid' || outcome === 'wrong_secret' || outcome === 'deleted';

/**
 * A presented token looked up with its place in the address's guess budget taken first. Only a
 * guess keeps it (an unknown token, a wrong secret, a deleted token, whose secret can no longer
 * be checked): a real token that is used or expired is not one.
 */
const evaluateGuessing = (deps: AppDeps, raw: string, meta: RequestMeta) =>
  deps.limiters.guessing(
    meta.ip,
    () => evaluate(deps, raw),
    (evaluated) => evaluated.status !== 'valid' && isGuess(evaluated.outcome),
  );

const purposeOfUse: Record<NonNullable<LoginTokenUse>, CredentialPurpose> = {
  email: 'delivered',
  support: 'support',
  integration: 'integration',
};

/** The `/login?token=` page's view. A token that no longer works counts a failed attempt. */
export async function previewLoginToken(
  deps: AppDeps,
  viewer: AuthContext | null,
  raw: string,
  meta: RequestMeta,
): Promise<LinkPreview> {
  const evaluated = await evaluateGuessing(deps, raw, meta);
  if (evaluated.status !== 'valid') {
    await recordFailure(deps, viewer, evaluated.found, evaluated.outcome, meta);
    return { status: evaluated.status, account: null, expiresAt: null, purpose: null, maker: null };
  }
  const { user, organization, token } = evaluated.found;
  const purpose = token.use ? purposeOfUse[token.use] : null;
  const expiresAt = toIso(token.expiresAt);
  if (!previewNamesParties(purpose, token.createdByUserId, viewer?.user?.id ?? null)) {
    return { status: 'valid', account: null, expiresAt, purpose, maker: null };
  }
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
    expiresAt,
    purpose,
    maker: purpose && purpose !== 'delivered' ? evaluated.maker.display : null,
  };
}

/**
 * Redeems a login token: a new session per use; a one-time token dies at its first success.
 * An integration's token opens a session marked with it; a support token starts an
 * impersonation by its maker, in the maker's own signed-in browser only.
 */
export async function redeemLoginToken(
  deps: AppDeps,
  current: AuthContext | null,
  raw: string,
  meta: RequestMeta,
): Promise<Redeemed> {
  const evaluated = await evaluateGuessing(deps, raw, meta);
  if (evaluated.status !== 'valid') {
    await recordFailure(deps, current, evaluated.found, evaluated.outcome, meta);
    throw new AppError(linkErrorFor[evaluated.status]);
  }
  const { found, maker } = evaluated;
  const { token, user, profile, organization } = found;
  if (token.use === 'support') return redeemHandover(deps, current, raw, found, meta);
  const integration = token.use === 'integration';
  const refusal = integration ? integrationRefusal(current, user?.id ?? null) : null;
  if (refusal) {
    await recordFailure(deps, current, found, 'refused', meta);
    throw new AppError(refusal);
  }
  if (integration && user) {
    const block = integrationBlock({
      kind: user.kind,
      status: user.status,
      profile,
      integrationsEnabled: organization?.integrationsEnabled ?? false,
    });
    if (block) {
      await recordFailure(deps, current, found, 'refused', meta);
      throw new AppError(linkErrorFor.revoked);
    }
  }
  const now = deps.clock.now();
  const via = { kind: 'login_token' as const, credentialId: String(token.id) };
  // A token opens its profile or, anonymous, nobody's: there is never a profile to pick.
  const profileCount = profile ? 1 : 0;
  const redeem = () =>
    deps.store.loginTokens.redeem({
      id: token.id,
      oneTimeUse: token.oneTimeUse,
      session: {
        userId: user?.id ?? null,
        profileId: token.profileId,
        method: 'login_token',
        now,
        meta,
        ...(integration ? { via } : {}),
      },
      replacing: current?.session.id ?? null,
      attempt: successfulAttempt(found, now),
      audit: usedEntry(found, now),
      now,
      meta,
    });
  // A guest has no person whose cap of live sessions bounds a reusable token's uses.
  const minted =
    !user && !token.oneTimeUse
      ? await deps.limiters.openingGuestSession(token.id, meta.ip, redeem)
      : await redeem();
  if (minted === 'lost_race') return lostRace(deps, current, raw, meta);
  const credential = integration
    ? {
        kind: via.kind,
        id: via.credentialId,
        name: token.extra ?? `Login token #${token.id}`,
        maker: maker.display,
      }
    : null;
  return {
    ...sessionOpened(minted, { user, profile, organization }, profileCount, credential),
    cookie: 'session',
  };
}

function successfulAttempt({ token, user }: TokenWithParties, now: number): LoginAttempt {
  return {
    kind: 'login_token',
    loginTokenId: token.id,
    userId: user?.id ?? null,
    outcome: 'success',
    at: now,
  };
}

/** `login_token.used`, naming the session it opens (the adapter's) unless it is a handover. */
function usedEntry(
  { token, user, organization }: TokenWithParties,
  now: number,
): EntryOfNewSession {
  return {
    type: 'login_token.used',
    at: now,
    actor: { userId: user?.id ?? null, kind: user ? user.kind : 'anonymous' },
    subjectUserId: user?.id ?? null,
    organizationId: organization?.id ?? null,
    details: { loginTokenId: token.id, oneTimeUse: token.oneTimeUse, use: token.use },
  };
}

/**
 * A token its maker made to see the customer's view: only the maker, signed in as themselves,
 * may open it, and only while the operator door would let them in (SPEC §4b).
 */
async function redeemHandover(
  deps: AppDeps,
  current: AuthContext | null,
  raw: string,
  found: TokenWithParties,
  meta: RequestMeta,
): Promise<Redeemed> {
  const { token, user } = found;
  if (!current?.user || !user || current.user.id !== token.createdByUserId) {
    await recordFailure(deps, current, found, 'not_maker', meta);
    throw new AppError('handover_not_yours');
  }
  const resolution = await resolveOperatorTarget(
    deps,
    current,
    user.id,
    token.profileId ?? undefined,
  );
  if ('refusal' in resolution) {
    const { refusal } = resolution;
    const details = { door: 'operator', via: 'login_token', loginTokenId: token.id };
    await recordRefusal(deps, current, 'impersonation.refused', refusal, details, meta);
    await recordFailure(deps, current, found, 'refused', meta);
    throw new AppError(refusal.code, refusal.message ? { message: refusal.message } : {});
  }
  const now = deps.clock.now();
  const start = handover(
    deps,
    current,
    resolution.target,
    {
      reason: token.reason,
      ticket: token.ticket,
      credential: { kind: 'login_token', id: String(token.id) },
      notAfter: token.expiresAt,
    },
    meta,
  );
  const minted = await deps.store.loginTokens.redeemHandover({
    id: token.id,
    oneTimeUse: token.oneTimeUse,
    attempt: successfulAttempt(found, now),
    audit: handoverUse(usedEntry(found, now), current, start),
    start,
    now,
    meta,
  });
  if (minted === 'lost_race') return lostRace(deps, current, raw, meta);
  return { ...handoverStarted(current, resolution.target, start, minted), cookie: 'impersonation' };
}
