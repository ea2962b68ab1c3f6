import type { SessionList, SignInBody } from '@onbehalf/contracts/auth';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { sessionPolicy } from '../../domain/sessions.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import { verifyPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { type Minted, signedInAs } from './new-session.ts';

export type SignedIn = Minted;

/**
 * Password sign-in. Unknown email, wrong password and disabled account look the same to
 * the caller (same error, same work done), and each failure counts towards the rate limit.
 */
export async function signIn(
  deps: AppDeps,
  body: SignInBody,
  meta: RequestMeta,
  /** The request's signal: a password check still waiting when its client leaves is dropped. */
  gone?: AbortSignal,
): Promise<SignedIn> {
  const { store, clock, limiters } = deps;
  const email = body.email.trim().toLowerCase();
  // The attempt is counted before the password is checked, so guesses sent at once cannot pass
  // the budget together; a right password gives its count back.
  const { user, failure } = await limiters.checkingPassword(
    email,
    meta.ip,
    async () => {
      const user = await store.auth.findUserByEmail(email);
      const passwordOk = await verifyPassword(user?.passwordHash ?? null, body.password, gone);
      const failure = !user
        ? 'unknown_email'
        : !passwordOk
          ? 'wrong_password'
          : user.status !== 'active'
            ? 'disabled'
            : null;
      return { user, failure };
    },
    (checked) => checked.failure !== null,
  );

  const now = clock.now();
  if (failure) {
    await store.auth.recordSignInFailed({
      audit: {
        type: 'auth.sign_in.failed',
        at: now,
        actor: { userId: null, kind: 'anonymous' },
        subjectUserId: user?.id ?? null,
        details: { method: 'password', email, failure },
      },
      meta,
      // Written once a minute per address, failure and account, and counted: the account's
      // budget bounds its failures, but not those for unknown addresses, nor any from an
      // address the allowlist exempts from the address-wide limits (SPEC §8b).
      repeats: user ? `${failure}:${user.id}` : failure,
    });
    throw new AppError('invalid_credentials');
  }
  // Narrowed by `failure === null`.
  const account = user as NonNullable<typeof user>;

  // One profile: straight in. Several: the person picks one next.
  const sole = account.kind === 'customer' ? await store.auth.soleProfile(account.id) : null;
  const profileId = sole?.profile.id ?? null;

  const minted = await store.auth.signIn({
    session: { userId: account.id, profileId, method: 'password', now, meta },
    audit: {
      type: 'auth.sign_in.succeeded',
      at: now,
      actor: { userId: account.id, kind: account.kind },
      subjectUserId: account.id,
      details: { method: 'password', profileId },
    },
    meta,
  });

  return signedInAs(deps, minted, {
    user: account,
    profile: sole?.profile ?? null,
    organization: sole?.organization ?? null,
  });
}

/**
 * Ends the session. While impersonating, it ends the impersonation and the acting person's
 * own session too: "sign out" means nobody stays signed in on this device.
 */
export async function signOut(deps: AppDeps, auth: AuthContext, meta: RequestMeta) {
  const now = deps.clock.now();
  const ownSessionId = auth.impersonation?.row.actorSessionId ?? auth.session.id;
  const ended = await deps.store.auth.endSession({
    sessionId: ownSessionId,
    reason: 'signed_out',
    impersonation: auth.impersonation
      ? { id: auth.impersonation.row.id, reason: 'actor_signed_out' }
      : null,
    startedEndReason: 'actor_signed_out',
    audit: { type: 'auth.signed_out', at: now, ...auditParty(auth), sessionId: ownSessionId },
    now,
    meta,
  });
  // Ended meanwhile (another sign-out, a profile switch that replaced it): not this request's
  // doing, and not to be answered or recorded as if it were.
  if (!ended) throw new AppError('session_expired');
}

/** A page of the caller's live sessions, newest first; those matching `query` when given. */
export async function listSessions(
  deps: AppDeps,
  auth: AuthContext,
  page: { cursor?: string | undefined; query?: string | undefined; limit: number },
): Promise<SessionList> {
  const now = deps.clock.now();
  const [before] = decodeCursor(page.cursor, ['string'] as const) ?? [];
  const rows = auth.user
    ? await deps.store.auth.liveSessions(auth.user.id, now, now - sessionPolicy.idleMs, {
        before,
        query: page.query || undefined,
        limit: page.limit,
      })
    : [];
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.session.id]);
  return {
    nextCursor,
    sessions: items.map(({ session, organizationName, actor, credential }) => {
      // A session someone else acts in (an impersonation's) is theirs: where they sit is not
      // the person's to see, nor to find by a search (sessionsMatching asks the same column).
      const elsewhere = session.impersonationId !== null;
      return {
        id: session.id,
        method: session.method,
        createdAt: toIso(session.createdAt),
        lastSeenAt: toIso(session.lastSeenAt),
        expiresAt: toIso(session.expiresAt),
        ip: elsewhere ? null : session.ip,
        userAgent: elsewhere ? null : session.userAgent,
        organizationName,
        current: session.id === auth.session.id,
        actingAs: actor,
        via: credential
          ? {
              kind: credential.kind,
              credentialId: credential.id,
              name: credential.name,
              maker: credential.maker,
            }
          : null,
      };
    }),
  };
}

/** Revokes one of the caller's own sessions; anyone else's is "not found". */
export async function revokeOwnSession(
  deps: AppDeps,
  auth: AuthContext,
  sessionId: string,
  meta: RequestMeta,
): Promise<{ revokedCurrent: boolean }> {
  const target = await deps.store.auth.findSession(sessionId);
  if (!target || !auth.user || target.userId !== auth.user.id || target.revokedAt !== null) {
    throw new AppError('not_found', { message: 'No such session.' });
  }
  const now = deps.clock.now();
  const ended = await deps.store.auth.endSession({
    sessionId: target.id,
    reason: 'revoked_by_user',
    // Someone's session acting as this person: revoking it ends the impersonation (audited).
    impersonation: target.impersonationId
      ? { id: target.impersonationId, reason: 'revoked' }
      : null,
    startedEndReason: 'actor_session_ended',
    audit: {
      type: 'session.revoked',
      at: now,
      ...auditParty(auth),
      details: { revoked: target.id },
    },
    now,
    meta,
  });
  // Revoked meanwhile (a revocation sent twice at once, a sign-out on that device).
  if (!ended) throw new AppError('not_found', { message: 'No such session.' });
  return { revokedCurrent: target.id === auth.session.id };
}
