import type {
  AttemptOutcome,
  CreateOneClickLinkBody,
  LinkPreview,
  LinkStatus,
  OneClickBody,
  OneClickLinkResponse,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import type { Tx } from '../../db/client.ts';
import type { OneClickLinkRow } from '../../db/schema/login-links.ts';
import type { UserRow } from '../../db/schema/users.ts';
import { type AuditEntry, recordAudit } from '../../lib/audit.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import {
  linkErrorFor,
  mintLinkSession,
  refuseDuringImpersonation,
  signedInAs,
  soleProfile,
} from '../../lib/link-sign-in.ts';
import { maskEmail, recordAttempt } from '../../lib/login-attempts.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../lib/principal.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { readSetting } from '../../lib/settings.ts';
import { randomToken, sha256, sortableId } from '../../lib/tokens.ts';
import {
  claimLink,
  findLinkWithUser,
  findUser,
  firstOrganizationName,
  insertLink,
} from './one-click.repo.ts';

const SECRET_FORMAT = /^[\w-]{43}$/;

/** Changes whenever the password does, without keeping anything that could be reversed. */
function credentialFingerprint(user: UserRow): string {
  return sha256(`one-click:${user.passwordHash ?? 'none'}`);
}

export function oneClickUrl(origin: string, userId: number, secret: string): string {
  return `${origin}/one-click/${userId}/${secret}`;
}

/** The account a link may be made for, by support or by email: an active customer. */
export function linkableCustomer(deps: AppDeps, userId: number): UserRow {
  const user = findUser(deps.db, userId);
  if (!user) throw new AppError('not_found', { message: 'No such user.' });
  // A link into a backoffice account would bypass its password: customers only.
  if (user.kind !== 'customer') {
    throw new AppError('forbidden', { message: 'Sign-in links are for customer accounts only.' });
  }
  if (user.status !== 'active') throw new AppError('account_disabled');
  return user;
}

/** Issues a link for a customer account; the URL is returned once and never stored. */
export function createOneClickLink(
  deps: AppDeps,
  principal: Principal,
  body: CreateOneClickLinkBody,
  meta: RequestMeta,
): OneClickLinkResponse {
  if (principal.kind === 'session') refuseDuringImpersonation(principal.auth);
  const { db } = deps;
  const user = linkableCustomer(deps, body.userId);
  const minutes = linkMinutes(deps, body.expiresInMinutes);
  const party = principalAuditParty(principal);
  const link = db.transaction((tx) =>
    issueLink(tx, deps, user, minutes, principalCreatedBy(principal), { ...party }, meta),
  );
  return { url: link.url, expiresAt: toIso(link.expiresAt) };
}

/**
 * The one place a link is made: stored as a hash with the password fingerprint, audited in
 * the caller's transaction. The URL is returned for the caller to hand over once.
 */
export function issueLink(
  tx: Tx,
  deps: AppDeps,
  user: UserRow,
  minutes: number,
  createdBy: { createdByUserId: number | null; createdByApiKeyId: string | null },
  party: Omit<AuditEntry, 'type' | 'at'> & { details?: Record<string, unknown> },
  meta: RequestMeta,
) {
  const now = deps.clock.now();
  const secret = randomToken();
  const expiresAt = now + minutes * 60_000;
  const id = sortableId(now);
  insertLink(tx, {
    id,
    userId: user.id,
    secretHash: sha256(secret),
    createdAt: now,
    expiresAt,
    credentialFingerprint: credentialFingerprint(user),
    ...createdBy,
  });
  recordAudit(
    tx,
    {
      type: 'one_click.issued',
      at: now,
      ...party,
      subjectUserId: user.id,
      details: { ...party.details, linkId: id, expiresAt, minutes },
    },
    meta,
  );
  return { id, url: oneClickUrl(deps.env.PUBLIC_ORIGIN, user.id, secret), expiresAt };
}

/** The lifetime a link gets: asked for, or the default, never past the global maximum. */
export function linkMinutes(deps: AppDeps, asked?: number): number {
  const limits = readSetting(deps.db, 'one_click');
  const minutes = asked ?? limits.defaultMinutes;
  if (minutes > limits.maxMinutes) {
    throw new AppError('validation_failed', {
      message: `A link may live at most ${limits.maxMinutes} minutes.`,
      issues: [{ path: 'expiresInMinutes', message: `At most ${limits.maxMinutes}.` }],
    });
  }
  return minutes;
}

type Found = { link: OneClickLinkRow; user: UserRow };

/** What state a presented link is in; `invalid` covers unknown secrets and forged user ids. */
function evaluate(
  deps: AppDeps,
  body: OneClickBody,
): { found?: Found; status: LinkStatus; outcome: AttemptOutcome } {
  const found = SECRET_FORMAT.test(body.hash)
    ? findLinkWithUser(deps.db, sha256(body.hash))
    : undefined;
  if (!found || found.link.userId !== body.userId) return { status: 'invalid', outcome: 'invalid' };
  const { link, user } = found;
  const now = deps.clock.now();
  if (link.revokedAt !== null) return { found, status: 'revoked', outcome: 'revoked' };
  if (link.usedAt !== null) return { found, status: 'used', outcome: 'used' };
  if (now >= link.expiresAt) return { found, status: 'expired', outcome: 'expired' };
  if (user.status !== 'active') return { found, status: 'invalid', outcome: 'user_disabled' };
  if (link.credentialFingerprint !== credentialFingerprint(user)) {
    return { found, status: 'revoked', outcome: 'password_changed' };
  }
  return { found, status: 'valid', outcome: 'success' };
}

/** Every failed attempt is recorded and counts towards the address's rate limit. */
async function recordFailure(
  deps: AppDeps,
  body: OneClickBody,
  found: Found | undefined,
  outcome: AttemptOutcome,
  meta: RequestMeta,
): Promise<void> {
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    recordAttempt(
      tx,
      {
        kind: 'one_click',
        oneClickLinkId: found?.link.id ?? null,
        userId: found?.user.id ?? null,
        outcome,
        at: now,
      },
      meta,
    );
    recordAudit(
      tx,
      {
        type: 'one_click.failed',
        at: now,
        actor: { userId: null, kind: 'anonymous' },
        subjectUserId: found?.user.id ?? null,
        details: { linkId: found?.link.id ?? null, outcome, claimedUserId: body.userId },
      },
      meta,
    );
  });
  await deps.limiters.recordRedeemFailure(meta.ip);
}

async function fail(
  deps: AppDeps,
  body: OneClickBody,
  found: Found | undefined,
  status: Exclude<LinkStatus, 'valid'>,
  outcome: AttemptOutcome,
  meta: RequestMeta,
): Promise<never> {
  await recordFailure(deps, body, found, outcome, meta);
  throw new AppError(linkErrorFor[status]);
}

/** The Continue page's view of a link: it never consumes it (mail scanners prefetch links). */
export async function previewOneClick(
  deps: AppDeps,
  body: OneClickBody,
  meta: RequestMeta,
): Promise<LinkPreview> {
  await deps.limiters.assertRedeemAllowed(meta.ip);
  const { found, status, outcome } = evaluate(deps, body);
  if (status !== 'valid') {
    await recordFailure(deps, body, found, outcome, meta);
    return { status, account: null, expiresAt: found ? toIso(found.link.expiresAt) : null };
  }
  const user = (found as Found).user;
  return {
    status,
    account: {
      name: user.name,
      email: maskEmail(user.email),
      organizationName: firstOrganizationName(deps.db, user.id),
      kind: 'user',
    },
    expiresAt: toIso((found as Found).link.expiresAt),
  };
}

/** Continue: redeems the link once (compare-and-set) and signs the person in. */
export async function redeemOneClick(
  deps: AppDeps,
  current: AuthContext | null,
  body: OneClickBody,
  meta: RequestMeta,
) {
  refuseDuringImpersonation(current);
  await deps.limiters.assertRedeemAllowed(meta.ip);
  const { found, status, outcome } = evaluate(deps, body);
  if (status !== 'valid' || !found)
    return fail(deps, body, found, status === 'valid' ? 'invalid' : status, outcome, meta);
  const { link, user } = found;
  const now = deps.clock.now();
  const minted = deps.db.transaction((tx) => {
    if (!claimLink(tx, link.id, now)) return null;
    const sole = soleProfile(tx, user.id);
    const result = mintLinkSession(
      tx,
      { userId: user.id, profileId: sole?.profile.id ?? null, method: 'one_click' },
      current,
      now,
      meta,
    );
    recordAttempt(
      tx,
      { kind: 'one_click', oneClickLinkId: link.id, userId: user.id, outcome: 'success', at: now },
      meta,
    );
    recordAudit(
      tx,
      {
        type: 'one_click.redeemed',
        at: now,
        actor: { userId: user.id, kind: user.kind },
        subjectUserId: user.id,
        sessionId: result.session.id,
        details: { linkId: link.id },
      },
      meta,
    );
    return { ...result, sole };
  });
  if (!minted) return fail(deps, body, found, 'used', 'used', meta);
  return signedInAs(deps, minted, {
    user,
    profile: minted.sole?.profile ?? null,
    organization: minted.sole?.organization ?? null,
  });
}
