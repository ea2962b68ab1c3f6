import type {
  AttemptOutcome,
  CreateOneClickLinkInput,
  CredentialPurpose,
  LinkDelivery,
  LinkPreview,
  LinkStatus,
  OneClickBody,
  OneClickLinkResponse,
  SentCredentialResponse,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { madeAhead } from '../../domain/clock-leeway.ts';
import {
  hasReason,
  integrationBlock,
  integrationRefusal,
  linkPurpose,
  linkSubjectBlock,
  makerHoldsRight,
  previewNamesParties,
  rightsToMake,
} from '../../domain/credentials/policy.ts';
import { type Principal, principalAuditParty, principalCreatedBy } from '../../http/principal.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import { auditCaller } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { credentialFingerprint, type LoadedMaker } from '../../lib/credential-facts.ts';
import { AppError } from '../../lib/errors.ts';
import type { LoginAttempt } from '../../lib/login-attempt-row.ts';
import { maskEmail } from '../../lib/mask-email.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { randomToken, sha256, sortableId } from '../../lib/tokens.ts';
import type { OneClickLinkRow, UserRow } from '../../store/rows.ts';
import {
  chooseProfile,
  linkErrorFor,
  type Minted,
  type ProfileWithOrganization,
  sessionOpened,
} from '../auth/new-session.ts';
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
import { deliverLink, type LinkSender } from './link-mail.ts';
import type { NewLink } from './one-click.store.ts';

const SECRET_FORMAT = /^[\w-]{43}$/;

export function oneClickUrl(origin: string, userId: number, secret: string): string {
  return `${origin}/one-click/${userId}/${secret}`;
}

/** The profiles an integration's key may reach: those in its organizations; an operator, all. */
export async function reachableProfiles(
  deps: AppDeps,
  principal: Principal,
  userId: number,
): Promise<ProfileWithOrganization[]> {
  const all = await deps.store.oneClick.profilesOf(userId);
  if (principal.kind !== 'api_key') return all;
  const allowed = principal.key.organizationIds;
  return all.filter((p) => allowed.includes(p.organization.id));
}

/** The lifetime a link gets: asked for, or the default, never past the global maximum. */
export async function linkMinutes(deps: AppDeps, asked?: number): Promise<number> {
  const limits = (await deps.store.settings.read()).oneClick;
  const minutes = asked ?? limits.defaultMinutes;
  if (minutes > limits.maxMinutes) {
    throw new AppError('validation_failed', {
      message: `A link may live at most ${limits.maxMinutes} minutes.`,
      issues: [{ path: 'expiresInMinutes', message: `At most ${limits.maxMinutes}.` }],
    });
  }
  return minutes;
}

export interface LinkToIssue {
  user: UserRow;
  minutes: number;
  createdBy: { createdByUserId: number | null; createdByApiKeyId: string | null };
  delivery: LinkDelivery;
  purpose: CredentialPurpose;
  profileId: number | null;
  reason: string | null;
  ticket: string | null;
}

/** A link made: the row and audit entry to write, and the URL to send or hand over once. */
export interface BuiltLink {
  row: NewLink;
  audit: AuditEntry;
  id: string;
  url: string;
  expiresAt: number;
  minutes: number;
}

/**
 * The one place a link is made: stored as a hash with the password fingerprint, with its
 * `one_click.issued` entry, for the caller's command to write. The URL is returned for the
 * caller to send or hand over once.
 */
export function buildLink(
  deps: AppDeps,
  link: LinkToIssue,
  party: Omit<AuditEntry, 'type' | 'at'> & { details?: Record<string, unknown> },
): BuiltLink {
  const now = deps.clock.now();
  const secret = randomToken();
  const expiresAt = now + link.minutes * 60_000;
  const id = sortableId(now);
  return {
    row: {
      id,
      userId: link.user.id,
      secretHash: sha256(secret),
      createdAt: now,
      expiresAt,
      credentialFingerprint: credentialFingerprint(link.user),
      ...link.createdBy,
      delivery: link.delivery,
      purpose: link.purpose,
      profileId: link.profileId,
      reason: link.reason,
      ticket: link.ticket,
    },
    audit: {
      type: 'one_click.issued',
      at: now,
      ...party,
      subjectUserId: link.user.id,
      reason: link.reason,
      details: {
        ...party.details,
        linkId: id,
        expiresAt,
        minutes: link.minutes,
        delivery: link.delivery,
        purpose: link.purpose,
        profileId: link.profileId,
        ticket: link.ticket,
      },
    },
    id,
    url: oneClickUrl(deps.env.PUBLIC_ORIGIN, link.user.id, secret),
    expiresAt,
    minutes: link.minutes,
  };
}

export type CreatedLink =
  | { status: 201; body: OneClickLinkResponse }
  | { status: 202; body: SentCredentialResponse };

/**
 * Makes a one-click link (SPEC §4b). Emailed by default: the answer says where it went and
 * carries no URL. Handed over by a person, it is an impersonation by them: the operator door's
 * rules and a reason. Handed over by an API key, it is an integration's: only where the
 * organization allows integrations, only for a profile without team rights.
 */
export async function createOneClickLink(
  deps: AppDeps,
  principal: Principal,
  body: CreateOneClickLinkInput,
  meta: RequestMeta,
): Promise<CreatedLink> {
  // A refusal before the account is read names no one: the id asked for may not exist.
  const refuse = (
    rule: CredentialRefusalRule,
    subjectUserId: number | null = null,
    organizationId: number | null = null,
  ) =>
    refuseCredential(
      deps,
      principal,
      { rule, kind: 'one_click', use: body.delivery, subjectUserId, organizationId },
      meta,
    );
  // The command line only ever emails: nobody holds what it makes.
  if (principal.kind === 'system' && body.delivery !== 'email') {
    return refuse('api_key_not_a_person');
  }
  const purpose = linkPurpose(body.delivery, principal.kind === 'api_key' ? 'api_key' : 'person');
  if (purpose === 'support' && !hasReason(body.reason)) return refuse('reason_required');
  // An API key acts only for people in its organizations; anyone else does not exist for it,
  // so it is told nothing of them (not even that they are an operator, or disabled).
  const reachable = await reachableProfiles(deps, principal, body.userId);
  const noSuchUser = () => new AppError('not_found', { message: 'No such user.' });
  if (principal.kind === 'api_key' && reachable.length === 0) throw noSuchUser();
  const user = await deps.store.oneClick.findUser(body.userId);
  if (!user) throw noSuchUser();
  const block = linkSubjectBlock(user);
  if (block) return refuse(block, user.id);
  if (reachable.length === 0) throw noSuchUser();

  let profileId: number | null = null;
  if (purpose === 'support' && principal.kind === 'session') {
    const resolution = await resolveOperatorTarget(deps, principal.auth, user.id, body.profileId);
    if ('refusal' in resolution) {
      const { refusal } = resolution;
      const details = { door: 'operator', via: 'one_click', targetUserId: user.id };
      await recordRefusal(deps, principal.auth, 'impersonation.refused', refusal, details, meta);
      throw new AppError(refusal.code, refusal.message ? { message: refusal.message } : {});
    }
    profileId = resolution.target.profileId;
  } else if (purpose === 'integration') {
    const chosen = chooseProfile(reachable, body.profileId);
    const block = integrationBlock({
      kind: user.kind,
      status: user.status,
      profile: chosen.profile,
      integrationsEnabled: chosen.organization.integrationsEnabled,
    });
    if (block) return refuse(block, user.id, chosen.organization.id);
    profileId = chosen.profile.id;
  }

  const minutes = await linkMinutes(deps, body.expiresInMinutes);
  const party = principalAuditParty(principal);
  const reason = body.reason || null;
  const link = buildLink(
    deps,
    {
      user,
      minutes,
      createdBy: principalCreatedBy(principal),
      delivery: body.delivery,
      purpose,
      profileId,
      reason,
      ticket: body.ticket || null,
    },
    party,
  );
  writtenWithRoom(
    await deps.store.oneClick.issue({
      link: link.row,
      audit: [link.audit],
      meta,
      room: roomFor(user.id),
    }),
  );
  if (purpose !== 'delivered') {
    return { status: 201, body: { url: link.url, expiresAt: toIso(link.expiresAt) } };
  }
  const sender: LinkSender =
    principal.kind === 'session'
      ? { kind: 'operator', name: principal.auth.user?.name ?? 'Support', reason }
      : principal.kind === 'api_key'
        ? { kind: 'integration', name: principal.key.name }
        : { kind: 'self' };
  await deliverLink(deps, user, { kind: 'one_click', ...link }, sender, party.actor, meta);
  return {
    status: 202,
    body: { sentTo: maskEmail(user.email), expiresAt: toIso(link.expiresAt) },
  };
}

type Found = { link: OneClickLinkRow; user: UserRow; maker: LoadedMaker };

/** The organizations a link opens: its profile's, or every one of the user's. */
async function organizationsOpenedBy(deps: AppDeps, link: OneClickLinkRow): Promise<number[]> {
  const profiles = await deps.store.oneClick.profilesOf(link.userId);
  return profiles
    .filter((p) => link.profileId === null || p.profile.id === link.profileId)
    .map((p) => p.organization.id);
}

/** A real link's secret presented with another person's id. */
interface Forged {
  linkId: string;
  ownerId: number;
}

/**
 * What state a presented link is in; `invalid` covers unknown secrets and forged user ids. A
 * real secret presented with another person's id names its link and its person (`forged`),
 * for the trail only: its holder is told nothing more than a guesser.
 */
async function evaluate(
  deps: AppDeps,
  body: OneClickBody,
): Promise<{ found?: Found; status: LinkStatus; outcome: AttemptOutcome; forged?: Forged }> {
  const row = SECRET_FORMAT.test(body.hash)
    ? await deps.store.oneClick.findBySecretHash(sha256(body.hash))
    : undefined;
  if (!row) return { status: 'invalid', outcome: 'invalid' };
  if (row.link.userId !== body.userId) {
    return {
      status: 'invalid',
      outcome: 'invalid',
      forged: { linkId: row.link.id, ownerId: row.link.userId },
    };
  }
  const { link, user } = row;
  const found: Found = { link, user, maker: await deps.store.oneClick.makerOf(link, user.id) };
  const now = deps.clock.now();
  if (link.revokedAt !== null) return { found, status: 'revoked', outcome: 'revoked' };
  if (link.usedAt !== null) return { found, status: 'used', outcome: 'used' };
  // Made on a clock ahead of this one, it would outlive its minutes here: expired for it.
  if (now >= link.expiresAt || madeAhead(link.createdAt, now)) {
    return { found, status: 'expired', outcome: 'expired' };
  }
  if (user.status !== 'active') return { found, status: 'invalid', outcome: 'user_disabled' };
  if (link.credentialFingerprint !== credentialFingerprint(user)) {
    return { found, status: 'revoked', outcome: 'password_changed' };
  }
  // A link dies with its maker's right to make it (SPEC §4b).
  const opened =
    found.maker.policy.kind === 'api_key' ? await organizationsOpenedBy(deps, link) : [];
  if (!makerHoldsRight(found.maker.policy, rightsToMake.one_click, opened, now)) {
    return { found, status: 'revoked', outcome: 'revoked' };
  }
  return { found, status: 'valid', outcome: 'success' };
}

/** Every failed attempt is recorded and counts towards the address's rate limit. */
async function recordFailure(
  deps: AppDeps,
  caller: AuthContext | null,
  body: OneClickBody,
  found: Found | undefined,
  outcome: AttemptOutcome,
  meta: RequestMeta,
  forged?: Forged,
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.oneClick.recordFailure({
    attempt: {
      kind: 'one_click',
      oneClickLinkId: found?.link.id ?? null,
      userId: found?.user.id ?? null,
      outcome,
      at: now,
    },
    audit: {
      type: 'one_click.failed',
      at: now,
      ...auditCaller(caller),
      // A leaked secret tried with other ids shows in its person's history.
      subjectUserId: found?.user.id ?? forged?.ownerId ?? null,
      details: {
        linkId: found?.link.id ?? forged?.linkId ?? null,
        outcome,
        claimedUserId: body.userId,
      },
    },
    meta,
    // Written once a minute per caller and what failed, and counted: a real link that no longer
    // works is opened as often as anyone likes (no guess budget counts it), and guesses from an
    // address the allowlist exempts from that budget, or from many addresses, must not flood
    // the trail either (SPEC §8b). A real secret tried with other people's ids is counted
    // apart, under its link, not hidden among unrelated guesses (review).
    repeats: found
      ? `${outcome}:${found.link.id}`
      : forged
        ? `forged_user:${forged.linkId}`
        : outcome,
  });
}

/**
 * A presented link looked up with its place in the address's guess budget taken first. Only a
 * guess keeps it: a real link that is used, expired or withdrawn is not one, so nobody is slowed
 * down by opening an old email.
 */
const evaluateGuessing = (deps: AppDeps, body: OneClickBody, meta: RequestMeta) =>
  deps.limiters.guessing(
    meta.ip,
    () => evaluate(deps, body),
    (evaluated) => evaluated.outcome === 'invalid',
  );

async function fail(
  deps: AppDeps,
  caller: AuthContext | null,
  body: OneClickBody,
  found: Found | undefined,
  status: Exclude<LinkStatus, 'valid'>,
  outcome: AttemptOutcome,
  meta: RequestMeta,
  forged?: Forged,
): Promise<never> {
  await recordFailure(deps, caller, body, found, outcome, meta, forged);
  throw new AppError(linkErrorFor[status]);
}

/**
 * A redemption whose claim lost, answered and recorded as the link now is: used by the one that
 * won, or withdrawn meanwhile (revoked, its person disabled). Never "used" for a link no one used.
 */
async function lostRace(
  deps: AppDeps,
  current: AuthContext | null,
  body: OneClickBody,
  meta: RequestMeta,
): Promise<never> {
  const now = await evaluate(deps, body);
  if (now.status === 'valid') return fail(deps, current, body, now.found, 'used', 'used', meta);
  return fail(deps, current, body, now.found, now.status, now.outcome, meta, now.forged);
}

/** The Continue page's view of a link: it never consumes it (mail scanners prefetch links). */
export async function previewOneClick(
  deps: AppDeps,
  viewer: AuthContext | null,
  body: OneClickBody,
  meta: RequestMeta,
): Promise<LinkPreview> {
  const { found, status, outcome, forged } = await evaluateGuessing(deps, body, meta);
  if (status !== 'valid' || !found) {
    await recordFailure(deps, viewer, body, found, outcome, meta, forged);
    return {
      status,
      account: null,
      expiresAt: found ? toIso(found.link.expiresAt) : null,
      purpose: null,
      maker: null,
    };
  }
  const { user, link, maker } = found;
  if (!previewNamesParties(link.purpose, link.createdByUserId, viewer?.user?.id ?? null)) {
    return {
      status,
      account: null,
      expiresAt: toIso(link.expiresAt),
      purpose: link.purpose,
      maker: null,
    };
  }
  return {
    status,
    account: {
      name: user.name,
      email: maskEmail(user.email),
      // The organization the link opens: its pinned profile's, else the person's first.
      organizationName:
        (await deps.store.oneClick.profilesOf(user.id)).find(
          (p) => link.profileId === null || p.profile.id === link.profileId,
        )?.organization.name ?? null,
      kind: 'user',
    },
    expiresAt: toIso(link.expiresAt),
    purpose: link.purpose,
    maker: link.purpose === 'delivered' ? null : maker.display,
  };
}

/** A redemption's new session, and which cookie carries it in a browser. */
export interface Redeemed extends Minted {
  cookie: 'session' | 'impersonation';
}

/**
 * Continue: redeems the link once (compare-and-set). A delivered link signs its user in; an
 * integration's link opens a session marked with it; a support handover starts an
 * impersonation by its maker, in the maker's own signed-in browser only.
 */
export async function redeemOneClick(
  deps: AppDeps,
  current: AuthContext | null,
  body: OneClickBody,
  meta: RequestMeta,
): Promise<Redeemed> {
  const { found, status, outcome, forged } = await evaluateGuessing(deps, body, meta);
  if (status !== 'valid' || !found) {
    const failed = status === 'valid' ? 'invalid' : status;
    return fail(deps, current, body, found, failed, outcome, meta, forged);
  }
  if (found.link.purpose === 'support') return redeemHandover(deps, current, body, found, meta);

  const { link, user } = found;
  const now = deps.clock.now();
  const profiles = await deps.store.oneClick.profilesOf(user.id);
  let pinned: ProfileWithOrganization | null = null;
  if (link.purpose === 'integration') {
    const refusal = integrationRefusal(current, user.id);
    if (refusal) {
      await recordFailure(deps, current, body, found, 'refused', meta);
      throw new AppError(refusal);
    }
    pinned = profiles.find((p) => p.profile.id === link.profileId) ?? null;
    const block = integrationBlock({
      kind: user.kind,
      status: user.status,
      profile: pinned?.profile ?? null,
      integrationsEnabled: pinned?.organization.integrationsEnabled ?? false,
    });
    if (block) return fail(deps, current, body, found, 'revoked', 'refused', meta);
  }
  // An integration's link opens its profile; any other the only one, or none to pick from.
  const profile = pinned ?? (profiles.length === 1 ? (profiles[0] ?? null) : null);
  const minted = await deps.store.oneClick.redeem({
    linkId: link.id,
    session: {
      userId: user.id,
      profileId: profile?.profile.id ?? null,
      method: 'one_click',
      now,
      meta,
      ...(pinned ? { via: { kind: 'one_click' as const, credentialId: link.id } } : {}),
    },
    replacing: current?.session.id ?? null,
    attempt: successfulAttempt(found, now),
    audit: redeemedEntry(found, now),
    now,
    meta,
  });
  if (minted === 'lost_race') return lostRace(deps, current, body, meta);
  const credential = pinned
    ? {
        kind: 'one_click' as const,
        id: link.id,
        name: 'One-click link',
        maker: found.maker.display,
      }
    : null;
  const signedIn = sessionOpened(
    minted,
    { user, profile: profile?.profile ?? null, organization: profile?.organization ?? null },
    profiles.length,
    credential,
  );
  return { ...signedIn, cookie: 'session' };
}

function successfulAttempt({ link, user }: Found, now: number): LoginAttempt {
  return {
    kind: 'one_click',
    oneClickLinkId: link.id,
    userId: user.id,
    outcome: 'success',
    at: now,
  };
}

/** `one_click.redeemed`, naming the session it opens (the adapter's) unless it is a handover. */
function redeemedEntry({ link, user }: Found, now: number): EntryOfNewSession {
  return {
    type: 'one_click.redeemed',
    at: now,
    actor: { userId: user.id, kind: user.kind },
    subjectUserId: user.id,
    details: { linkId: link.id, purpose: link.purpose },
  };
}

/**
 * A link its maker made to see the customer's view: only the maker, signed in as themselves,
 * may open it, and only while the operator door would let them in (SPEC §4b).
 */
async function redeemHandover(
  deps: AppDeps,
  current: AuthContext | null,
  body: OneClickBody,
  found: Found,
  meta: RequestMeta,
): Promise<Redeemed> {
  const { link } = found;
  if (!current?.user || current.user.id !== link.createdByUserId) {
    await recordFailure(deps, current, body, found, 'not_maker', meta);
    throw new AppError('handover_not_yours');
  }
  const resolution = await resolveOperatorTarget(
    deps,
    current,
    link.userId,
    link.profileId ?? undefined,
  );
  if ('refusal' in resolution) {
    const { refusal } = resolution;
    const details = { door: 'operator', via: 'one_click', linkId: link.id };
    await recordRefusal(deps, current, 'impersonation.refused', refusal, details, meta);
    await recordFailure(deps, current, body, found, 'refused', meta);
    throw new AppError(refusal.code, refusal.message ? { message: refusal.message } : {});
  }
  const now = deps.clock.now();
  const start = handover(
    deps,
    current,
    resolution.target,
    {
      reason: link.reason,
      ticket: link.ticket,
      credential: { kind: 'one_click', id: link.id },
      notAfter: link.expiresAt,
    },
    meta,
  );
  const minted = await deps.store.oneClick.redeemHandover({
    linkId: link.id,
    attempt: successfulAttempt(found, now),
    audit: handoverUse(redeemedEntry(found, now), current, start),
    start,
    now,
    meta,
  });
  if (minted === 'lost_race') return lostRace(deps, current, body, meta);
  return { ...handoverStarted(current, resolution.target, start, minted), cookie: 'impersonation' };
}
