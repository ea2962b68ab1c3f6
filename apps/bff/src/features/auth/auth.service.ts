import type { SessionList, SignInBody } from '@onbehalf/contracts/auth';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { sessionPolicy } from '../../domain/sessions.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import { describeCredentialSession } from '../../lib/credentials.ts';
import { AppError } from '../../lib/errors.ts';
import {
  endImpersonation,
  endImpersonationOfSession,
  endImpersonationsOfActorSession,
} from '../../lib/impersonation-lifecycle.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import { verifyPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { mintSession, revokeSession } from '../../lib/sessions.ts';
import { findSessionById, findUserByEmail, listLiveSessions } from './auth.repo.ts';
import { type Minted, signedInAs, soleProfile } from './new-session.ts';

export type SignedIn = Minted;

/**
 * Password sign-in. Unknown email, wrong password and disabled account look the same to
 * the caller (same error, same work done), and each failure counts towards the rate limit.
 */
export async function signIn(
  deps: AppDeps,
  body: SignInBody,
  meta: RequestMeta,
): Promise<SignedIn> {
  const { db, clock, limiters } = deps;
  const email = body.email.trim().toLowerCase();
  await limiters.assertSignInAllowed(email, meta.ip);

  const user = findUserByEmail(db, email);
  const passwordOk = await verifyPassword(user?.passwordHash ?? null, body.password);
  const failure = !user
    ? 'unknown_email'
    : !passwordOk
      ? 'wrong_password'
      : user.status !== 'active'
        ? 'disabled'
        : null;

  const now = clock.now();
  if (failure) {
    db.transaction((tx) => {
      recordAudit(
        tx,
        {
          type: 'auth.sign_in.failed',
          at: now,
          actor: { userId: null, kind: 'anonymous' },
          subjectUserId: user?.id ?? null,
          details: { method: 'password', email, failure },
        },
        meta,
      );
    });
    await limiters.recordSignInFailure(email, meta.ip);
    throw new AppError('invalid_credentials');
  }
  // Narrowed by `failure === null`.
  const account = user as NonNullable<typeof user>;
  await limiters.clearSignInFailures(email, meta.ip);

  // One profile: straight in. Several: the person picks one next.
  const sole = account.kind === 'customer' ? soleProfile(db, account.id) : null;
  const profileId = sole?.profile.id ?? null;

  const minted = db.transaction((tx) => {
    const result = mintSession(tx, {
      userId: account.id,
      profileId,
      method: 'password',
      now,
      meta,
    });
    recordAudit(
      tx,
      {
        type: 'auth.sign_in.succeeded',
        at: now,
        actor: { userId: account.id, kind: account.kind },
        subjectUserId: account.id,
        sessionId: result.session.id,
        details: { method: 'password', profileId },
      },
      meta,
    );
    return result;
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
export function signOut(deps: AppDeps, auth: AuthContext, meta: RequestMeta): void {
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    const ownSessionId = auth.impersonation?.row.actorSessionId ?? auth.session.id;
    if (auth.impersonation) {
      endImpersonation(tx, auth.impersonation.row, 'actor_signed_out', now, meta);
    }
    revokeSession(tx, ownSessionId, 'signed_out', now);
    endImpersonationsOfActorSession(tx, ownSessionId, 'actor_signed_out', now, meta);
    recordAudit(
      tx,
      { type: 'auth.signed_out', at: now, ...auditParty(auth), sessionId: ownSessionId },
      meta,
    );
  });
}

/** A page of the caller's live sessions, newest first. */
export function listSessions(
  deps: AppDeps,
  auth: AuthContext,
  page: { cursor?: string | undefined; limit: number },
): SessionList {
  const now = deps.clock.now();
  const [before] = decodeCursor(page.cursor, ['string'] as const) ?? [];
  const rows = auth.user
    ? listLiveSessions(deps.db, auth.user.id, now, now - sessionPolicy.idleMs, {
        before,
        limit: page.limit,
      })
    : [];
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.session.id]);
  return {
    nextCursor,
    sessions: items.map(({ session, organizationName, actor }) => {
      const credential = session.viaKind ? describeCredentialSession(deps.db, session) : null;
      // A session someone else acts in is theirs: where they sit is not the person's to see.
      const elsewhere = actor !== null;
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
export function revokeOwnSession(
  deps: AppDeps,
  auth: AuthContext,
  sessionId: string,
  meta: RequestMeta,
): { revokedCurrent: boolean } {
  const target = findSessionById(deps.db, sessionId);
  if (!target || !auth.user || target.userId !== auth.user.id || target.revokedAt !== null) {
    throw new AppError('not_found', { message: 'No such session.' });
  }
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    // Someone's session acting as this person: revoking it ends the impersonation (audited).
    if (target.impersonationId)
      endImpersonationOfSession(tx, target.impersonationId, 'revoked', now, meta);
    revokeSession(tx, target.id, 'revoked_by_user', now);
    endImpersonationsOfActorSession(tx, target.id, 'actor_session_ended', now, meta);
    recordAudit(
      tx,
      { type: 'session.revoked', at: now, ...auditParty(auth), details: { revoked: target.id } },
      meta,
    );
  });
  return { revokedCurrent: target.id === auth.session.id };
}
