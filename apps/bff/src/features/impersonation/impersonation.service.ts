import type { ErrorCode } from '@onbehalf/contracts/errors';
import type {
  AccessHistoryResponse,
  ImpersonationBlock,
  ImpersonationDoor,
  OperatorImpersonateQuery,
} from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { madeAhead } from '../../domain/clock-leeway.ts';
import {
  actorBlock,
  blockError,
  HANDOFF_TTL_MS,
  impersonationBlock,
  impersonationLimitMinutes,
} from '../../domain/impersonation/policy.ts';
import { isSessionUsable } from '../../domain/sessions.ts';
import { sessionView } from '../../http/session-view.ts';
import type { AuditEntry } from '../../lib/audit-event.ts';
import { authFromLookup, policyActor, policyTarget } from '../../lib/auth-context.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { constantTimeEqual, randomToken, sha256, sortableId } from '../../lib/tokens.ts';
import type { ImpersonationRow, OrganizationRow, ProfileRow, UserRow } from '../../store/rows.ts';
import type { Minted } from '../auth/new-session.ts';
import type { EntryOfNewSession, Started, StartHandover } from './impersonation.store.ts';

export interface Target {
  door: ImpersonationDoor;
  userId: number;
  profileId: number | null;
  organizationId: number | null;
  /** The shortest limit that applies: global, the organization's, 60 minutes. */
  maxMinutes: number;
  /** The rows the checks read: the impersonation session is described from them. */
  parties: { user: UserRow; profile: ProfileRow | null; organization: OrganizationRow | null };
  /**
   * How many profiles the target has, where the door read them (the operator door); a team
   * target always has the profile acted as.
   */
  profileCount: number;
}

/** Why a door said no: the rule (for the audit trail) and the answer (for the caller). */
export interface Refusal {
  rule: ImpersonationBlock | 'not_found';
  code: ErrorCode;
  message?: string;
  subjectUserId: number | null;
  organizationId: number | null;
}

export type Resolution = { target: Target } | { refusal: Refusal };

function blocked(
  block: ImpersonationBlock,
  subjectUserId: number | null,
  organizationId: number | null,
): Resolution {
  return { refusal: { rule: block, code: blockError[block], subjectUserId, organizationId } };
}

/** Team door: a coworker of the caller's active organization, under SPEC §4's rules. */
async function resolveTeamTarget(
  deps: AppDeps,
  auth: AuthContext,
  coworkerId: number,
): Promise<Resolution> {
  const active = auth.profile;
  // Outside the caller's organization a profile "does not exist": never confirm it does.
  const found =
    active && auth.user
      ? await deps.store.impersonation.teamTarget(active.organizationId, coworkerId)
      : undefined;
  if (!found) {
    return {
      refusal: {
        rule: 'not_found',
        code: 'not_found',
        message: 'No such coworker.',
        subjectUserId: null,
        organizationId: active?.organizationId ?? null,
      },
    };
  }
  const block = impersonationBlock({
    door: 'team',
    actor: policyActor(auth),
    target: policyTarget(found.user, found.profile),
    doorOpen: found.organization.impersonationEnabled,
  });
  if (block) return blocked(block, found.user.id, found.organization.id);
  return {
    target: {
      door: 'team',
      userId: found.user.id,
      profileId: found.profile.id,
      organizationId: found.organization.id,
      maxMinutes: impersonationLimitMinutes('team', {
        organizationMaxMinutes: found.organization.impersonationMaxMinutes,
        operatorMaxMinutes: 0,
      }),
      parties: found,
      profileCount: 1,
    },
  };
}

/**
 * Operator door: any customer, or an operator of strictly lower role. A customer with several
 * profiles needs `profileId`. Support handovers (a link or token an operator makes to use
 * themselves) come through here too: they are impersonations by their maker.
 */
export async function resolveOperatorTarget(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  profileId: number | undefined,
): Promise<Resolution> {
  // Who may not use this door at all is refused first: looking the target up would tell a
  // customer which user ids exist.
  const ruledOut = actorBlock('operator', policyActor(auth));
  if (ruledOut) return blocked(ruledOut, null, null);
  const found = await deps.store.impersonation.userWithProfiles(userId);
  if (!found) {
    return {
      refusal: {
        rule: 'not_found',
        code: 'not_found',
        message: 'No such user.',
        subjectUserId: null,
        organizationId: null,
      },
    };
  }
  const target = found.user;
  const candidates = target.kind === 'customer' ? found.profiles : [];
  const chosen =
    profileId === undefined && candidates.length === 1
      ? candidates[0]
      : candidates.find((c) => c.profile.id === profileId);
  const setting = (await deps.store.settings.read()).operatorImpersonation;
  const block = impersonationBlock({
    door: 'operator',
    actor: policyActor(auth),
    target: policyTarget(target, chosen?.profile ?? null),
    doorOpen: setting.enabled,
  });
  if (block) return blocked(block, target.id, chosen?.organization.id ?? null);

  if (profileId !== undefined && !chosen) {
    throw new AppError('not_found', { message: 'No such profile for this user.' });
  }
  if (!chosen && candidates.length > 1) {
    throw new AppError('validation_failed', {
      message: 'This user has several profiles: say which one (profileId).',
      issues: [{ path: 'profileId', message: 'Required for a user with several profiles.' }],
    });
  }
  return {
    target: {
      door: 'operator',
      userId: target.id,
      profileId: chosen?.profile.id ?? null,
      organizationId: chosen?.organization.id ?? null,
      maxMinutes: impersonationLimitMinutes('operator', {
        organizationMaxMinutes: chosen?.organization.impersonationMaxMinutes ?? null,
        operatorMaxMinutes: setting.maxMinutes,
      }),
      parties: {
        user: target,
        profile: chosen?.profile ?? null,
        organization: chosen?.organization ?? null,
      },
      profileCount: candidates.length,
    },
  };
}

/**
 * Audits a refusal with the rule that refused (SPEC §8b): a refused impersonation, or a failed
 * hand-off exchange. Repeats are counted, not written one by one.
 */
export async function recordRefusal(
  deps: AppDeps,
  auth: AuthContext,
  type: 'impersonation.refused' | 'impersonation.exchange_failed',
  refusal: { rule: string; subjectUserId: number | null; organizationId: number | null },
  details: Record<string, unknown>,
  meta: RequestMeta,
): Promise<void> {
  const actor = auth.impersonation?.actorUser ?? auth.user;
  await deps.store.impersonation.recordRefusal(
    {
      type,
      at: deps.clock.now(),
      actor: { userId: actor?.id ?? null, kind: actor?.kind ?? 'anonymous' },
      subjectUserId: refusal.subjectUserId,
      organizationId: refusal.organizationId,
      sessionId: auth.session.id,
      impersonationId: auth.impersonation?.row.id ?? null,
      details: { ...details, rule: refusal.rule },
    },
    refusal.rule,
    meta,
  );
}

/** The target of a door, or the refusal audited and thrown. */
async function admit(
  deps: AppDeps,
  auth: AuthContext,
  resolution: Resolution,
  type: 'impersonation.refused' | 'impersonation.exchange_failed',
  details: Record<string, unknown>,
  meta: RequestMeta,
): Promise<Target> {
  if ('target' in resolution) return resolution.target;
  const { refusal } = resolution;
  await recordRefusal(deps, auth, type, refusal, details, meta);
  throw new AppError(refusal.code, refusal.message ? { message: refusal.message } : {});
}

interface ImpersonationDetails {
  reason: string | null;
  ticket: string | null;
}

async function issueHandoff(
  deps: AppDeps,
  auth: AuthContext,
  target: Target,
  details: ImpersonationDetails,
  meta: RequestMeta,
): Promise<{ token: string }> {
  const now = deps.clock.now();
  const secret = randomToken();
  const id = sortableId(now);
  const actor = auth.user as NonNullable<AuthContext['user']>;
  const issue = () =>
    deps.store.impersonation.issueHandoff({
      handoff: {
        id,
        door: target.door,
        actorUserId: actor.id,
        actorProfileId: auth.profile?.id ?? null,
        actorSessionId: auth.session.id,
        targetUserId: target.userId,
        targetProfileId: target.profileId,
        organizationId: target.organizationId,
        reason: details.reason,
        ticket: details.ticket,
        handoffTokenHash: sha256(secret),
        handoffExpiresAt: now + HANDOFF_TTL_MS,
        issuedAt: now,
      },
      audit: {
        type: 'impersonation.token_issued',
        at: now,
        actor: { userId: actor.id, kind: actor.kind },
        subjectUserId: target.userId,
        organizationId: target.organizationId,
        sessionId: auth.session.id,
        impersonationId: id,
        reason: details.reason,
        details: { door: target.door, targetProfileId: target.profileId, ticket: details.ticket },
      },
      meta,
    });
  await deps.limiters.personWrite('handoffRequests', actor.id, issue);
  return { token: `${id}.${secret}` };
}

/** `{impersonation id}.{secret}`: a ULID, then 256 bits in base64url. */
const HANDOFF_FORMAT = /^([0-9A-HJKMNP-TV-Z]{26})\.([\w-]{43})$/;

/** The impersonation a hand-off token names, if its secret matches (compared in constant time). */
async function findByHandoffToken(deps: AppDeps, token: string) {
  const [, id, secret] = HANDOFF_FORMAT.exec(token) ?? [];
  if (!id || !secret) return undefined;
  const row = await deps.store.impersonation.findById(id);
  return row && constantTimeEqual(row.handoffTokenHash, sha256(secret)) ? row : undefined;
}

export async function issueTeamHandoff(
  deps: AppDeps,
  auth: AuthContext,
  coworkerId: number,
  reason: string | undefined,
  meta: RequestMeta,
) {
  const resolution = await resolveTeamTarget(deps, auth, coworkerId);
  const details = { door: 'team', targetProfileId: coworkerId };
  const target = await admit(deps, auth, resolution, 'impersonation.refused', details, meta);
  return issueHandoff(deps, auth, target, { reason: reason || null, ticket: null }, meta);
}

export async function issueOperatorHandoff(
  deps: AppDeps,
  auth: AuthContext,
  query: OperatorImpersonateQuery,
  meta: RequestMeta,
) {
  const resolution = await resolveOperatorTarget(deps, auth, query.userId, query.profileId);
  const details = { door: 'operator', targetUserId: query.userId, reason: query.reason };
  const target = await admit(deps, auth, resolution, 'impersonation.refused', details, meta);
  return issueHandoff(
    deps,
    auth,
    target,
    { reason: query.reason, ticket: query.ticket || null },
    meta,
  );
}

export type Exchanged = Minted;

/** Every rule is checked again at exchange: a minute is long enough for a setting to change. */
function recheck(deps: AppDeps, auth: AuthContext, row: ImpersonationRow): Promise<Resolution> {
  if (row.door === 'team') return resolveTeamTarget(deps, auth, row.targetProfileId ?? 0);
  return resolveOperatorTarget(deps, auth, row.targetUserId, row.targetProfileId ?? undefined);
}

/** The session the impersonation runs in, and how the API describes it. */
function describeStarted(
  auth: AuthContext,
  target: Target,
  row: ImpersonationRow,
  minted: Started,
): Minted {
  const endsAt = minted.session.expiresAt;
  const started = authFromLookup({ session: minted.session, ...target.parties }, auth.transport, {
    row,
    actorUser: auth.user as NonNullable<AuthContext['user']>,
    endsAt,
  });
  return {
    token: minted.token,
    expiresAt: endsAt,
    session: sessionView(started, target.profileCount, minted.session.createdAt),
  };
}

/**
 * Exchanges a hand-off token for a session as the target. The token is single-use (a
 * compare-and-set), lives 60 seconds, and only the session that asked for it may use it.
 */
export async function exchangeHandoff(
  deps: AppDeps,
  auth: AuthContext,
  token: string,
  meta: RequestMeta,
): Promise<Exchanged> {
  const { clock, limiters } = deps;
  const row = await findByHandoffToken(deps, token);
  // The session a token is bound to is never slowed down, whatever befell the token; anything
  // else (an unknown token, someone else's) is a guess, counted per session and per address.
  const bound = row !== undefined && row.actorSessionId === auth.session.id;
  // Counted before anything is said about it: 429 past either budget.
  if (!bound) await limiters.countExchangeGuess(auth.session.id, meta.ip);
  const refuse = async (code: ErrorCode): Promise<never> => {
    await recordRefusal(
      deps,
      auth,
      'impersonation.exchange_failed',
      {
        rule: code,
        subjectUserId: row?.targetUserId ?? null,
        organizationId: row?.organizationId ?? null,
      },
      { impersonationId: row?.id ?? null },
      meta,
    );
    throw new AppError(code);
  };
  if (!row) return refuse('handoff_invalid');
  if (row.actorSessionId !== auth.session.id) return refuse('handoff_wrong_session');
  const now = clock.now();
  if (row.handoffUsedAt !== null) return refuse('handoff_used');
  if (row.endedAt !== null) return refuse('handoff_withdrawn');
  // Asked for on a clock ahead of this one, it would outlive its 60 seconds here.
  if (now >= row.handoffExpiresAt || madeAhead(row.issuedAt, now)) {
    return refuse('handoff_expired');
  }
  const details = { impersonationId: row.id, door: row.door };
  const target = await admit(
    deps,
    auth,
    await recheck(deps, auth, row),
    'impersonation.exchange_failed',
    details,
    meta,
  );

  const endsAt = Math.min(now + target.maxMinutes * 60_000, auth.session.expiresAt);
  const minted = await deps.store.impersonation.exchange({
    id: row.id,
    actorSessionId: row.actorSessionId,
    session: {
      userId: row.targetUserId,
      profileId: row.targetProfileId,
      method: 'impersonation',
      now,
      meta,
      expiresAt: endsAt,
      impersonationId: row.id,
    },
    audit: startedEntry(row, auth, endsAt, now),
    now,
    meta,
  });
  // Another exchange of the same hand-off won, or a change withdrew it meanwhile: as if this
  // one had come a moment later.
  if (minted === 'lost_race') {
    const settled = await deps.store.impersonation.findById(row.id);
    const withdrawn = settled?.endedAt != null && settled.handoffUsedAt === null;
    return refuse(withdrawn ? 'handoff_withdrawn' : 'handoff_used');
  }
  const started = {
    ...row,
    sessionId: minted.session.id,
    handoffUsedAt: now,
    startedAt: now,
    endsAt,
  };
  return describeStarted(auth, target, started, minted);
}

/** `impersonation.started`: the adapter names the session it mints. */
function startedEntry(
  row: Omit<ImpersonationRow, 'sessionId'>,
  auth: AuthContext,
  endsAt: number,
  now: number,
): EntryOfNewSession {
  return {
    type: 'impersonation.started',
    at: now,
    actor: { userId: row.actorUserId, kind: auth.user?.kind ?? 'customer' },
    subjectUserId: row.targetUserId,
    organizationId: row.organizationId,
    impersonationId: row.id,
    reason: row.reason,
    details: {
      door: row.door,
      actorSessionId: row.actorSessionId,
      endsAt,
      ...(row.credentialKind
        ? { credential: { kind: row.credentialKind, id: row.credentialId } }
        : {}),
    },
  };
}

/**
 * A support handover's impersonation (SPEC §4b), from a credential its maker made to use
 * themselves: the operator door's rules, checked by the caller with `resolveOperatorTarget`,
 * then the row, its session and its audit event, for the credential's redemption command to
 * write with the credential's single use. No hand-off token leaves the server: the credential
 * was it.
 */
export function handover(
  deps: AppDeps,
  auth: AuthContext,
  target: Target,
  details: ImpersonationDetails & {
    credential: { kind: CredentialKind; id: string };
    /** The credential's own expiry: the session never outlives it. */
    notAfter: number;
  },
  meta: RequestMeta,
): StartHandover {
  const now = deps.clock.now();
  const actor = auth.user as NonNullable<AuthContext['user']>;
  const endsAt = Math.min(
    now + target.maxMinutes * 60_000,
    auth.session.expiresAt,
    details.notAfter,
  );
  const id = sortableId(now);
  const impersonation: StartHandover['impersonation'] = {
    id,
    door: 'operator',
    actorUserId: actor.id,
    actorProfileId: null,
    actorSessionId: auth.session.id,
    targetUserId: target.userId,
    targetProfileId: target.profileId,
    organizationId: target.organizationId,
    reason: details.reason,
    ticket: details.ticket,
    // The credential was the hand-off; this secret is drawn and thrown away, never shown.
    handoffTokenHash: sha256(randomToken()),
    handoffExpiresAt: now,
    handoffUsedAt: now,
    issuedAt: now,
    startedAt: now,
    endsAt,
    endedAt: null,
    endReason: null,
    credentialKind: details.credential.kind,
    credentialId: details.credential.id,
  };
  return {
    impersonation,
    session: {
      userId: target.userId,
      profileId: target.profileId,
      method: 'impersonation',
      now,
      meta,
      expiresAt: endsAt,
      impersonationId: id,
    },
    audit: startedEntry(impersonation, auth, endsAt, now),
  };
}

/**
 * The credential's own event (`login_token.used`, `one_click.redeemed`) when its maker uses a
 * handover: the maker's act, as the customer, in the impersonation it starts (SPEC §4b, §4
 * rule 9), not the customer's sign-in (a review found it read so by actor). The session it
 * opens is named in `impersonation.started`.
 */
export function handoverUse(
  entry: EntryOfNewSession,
  auth: AuthContext,
  start: StartHandover,
): AuditEntry {
  const actor = auth.user as NonNullable<AuthContext['user']>;
  return {
    ...entry,
    actor: { userId: actor.id, kind: actor.kind },
    sessionId: null,
    impersonationId: start.impersonation.id,
  };
}

/** The handover's session, started by the redemption, as the API describes it. */
export function handoverStarted(
  auth: AuthContext,
  target: Target,
  start: StartHandover,
  minted: Started,
): Minted {
  return describeStarted(
    auth,
    target,
    { ...start.impersonation, sessionId: minted.session.id },
    minted,
  );
}

/** Ends the impersonation and answers with the actor's own session, untouched all along. */
export async function leaveImpersonation(deps: AppDeps, auth: AuthContext, meta: RequestMeta) {
  const impersonation = auth.impersonation;
  if (!impersonation) throw new AppError('not_impersonating');
  const now = deps.clock.now();
  await deps.store.impersonation.leave({ row: impersonation.row, now, meta });
  const own = await deps.store.impersonation.session(impersonation.row.actorSessionId);
  // The impersonation is over either way; the session to go back to must still be usable.
  if (!own || !isSessionUsable(own, now)) throw new AppError('session_expired');
  return { session: sessionView(authFromLookup(own, auth.transport), own.profileCount, now) };
}

/**
 * Who acted as me: every impersonation (both doors, support handovers included), a page at a
 * time. Staff are named by name and role only. The integrations given a way in are listed apart
 * (`integrationAccess` in features/credentials).
 */
export async function accessHistory(
  deps: AppDeps,
  auth: AuthContext,
  page: { cursor?: string | undefined; limit: number },
): Promise<AccessHistoryResponse> {
  if (!auth.user) return { entries: [], nextCursor: null };
  const after = decodeCursor(page.cursor, ['number', 'string'] as const);
  const rows = await deps.store.impersonation.accessHistory(auth.user.id, {
    after,
    limit: page.limit,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, ({ row }) => [row.issuedAt, row.id]);
  const now = deps.clock.now();
  return {
    nextCursor,
    entries: items.map(({ row: stored, actor, organizationName }) => {
      const row = asOf(stored, now);
      return {
        id: row.id,
        door: row.door,
        actor: { name: actor.name, kind: actor.kind, operatorRole: actor.operatorRole ?? null },
        organizationName,
        reason: row.reason,
        ticket: row.ticket,
        issuedAt: toIso(row.issuedAt),
        startedAt: row.startedAt ? toIso(row.startedAt) : null,
        endedAt: row.endedAt ? toIso(row.endedAt) : null,
        endReason: row.endReason,
        durationSeconds:
          row.startedAt && row.endedAt ? Math.round((row.endedAt - row.startedAt) / 1000) : null,
        via:
          row.credentialKind && row.credentialId
            ? { kind: row.credentialKind, id: row.credentialId }
            : null,
      };
    }),
  };
}

/**
 * An impersonation as it stands at `now`: one whose end has passed is over, though nobody has
 * used it since to have it ended (housekeeping ends it, audited, within a minute): shown as
 * expired at its end, as it will be stored, never as running.
 */
function asOf(row: ImpersonationRow, now: number): ImpersonationRow {
  if (row.endedAt !== null || row.startedAt === null || row.endsAt === null) return row;
  return row.endsAt <= now ? { ...row, endedAt: row.endsAt, endReason: 'expired' } : row;
}
