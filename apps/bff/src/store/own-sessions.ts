import {
  and,
  type Column,
  eq,
  gt,
  isNotNull,
  isNull,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { sessionPolicy } from '../domain/sessions.ts';

/**
 * Conditions on a person's own sessions and what they started, one for both adapters' tables
 * (store/<dialect>/sessions.ts, store/<dialect>/impersonations.ts), as
 * store/running-impersonations.ts does for the metrics.
 */
interface SessionColumns {
  id: Column;
  userId: Column;
  expiresAt: Column;
  revokedAt: Column;
  revokedReason: Column;
  impersonationId: Column;
  viaCredentialId: Column;
}

/**
 * A user's sessions that can still be used (not revoked, not expired), but one: what signing
 * someone out touches. Expired sessions stay as they are, so the work is bounded by the live
 * sessions, not by every sign-in the person ever made.
 */
export function liveSessionsOf(
  table: SessionColumns,
  userId: number,
  exceptSessionId: string | null,
  now: number,
): SQL | undefined {
  return and(
    eq(table.userId, userId),
    isNull(table.revokedAt),
    gt(table.expiresAt, now),
    exceptSessionId === null ? undefined : ne(table.id, exceptSessionId),
  );
}

/**
 * Whose sessions a cap counts: the person's own (`own`), or those integrations' credentials
 * opened as them (`integrations`, all of them together).
 */
export type SessionHolder = 'own' | 'integrations';

/**
 * A person's live sessions held by `holder` (placeholders `userId`, `now`): what the cap on live
 * sessions counts and signs out beyond the newest (docs/decisions/004-session-lifetime.md),
 * whichever door the new one came through. Sessions acting as them in an impersonation are their
 * actor's, bounded by the actor's own sessions (docs/decisions/037), and are left alone: no one
 * signs a person out by acting as them. Nor by using an integration's credential for them: the
 * sessions integrations open are counted apart from the person's own.
 */
function liveSessionsHeldBy(table: SessionColumns, holder: SessionHolder): SQL | undefined {
  return and(
    eq(table.userId, sql.placeholder('userId')),
    isNull(table.revokedAt),
    gt(table.expiresAt, sql.placeholder('now')),
    isNull(table.impersonationId),
    holder === 'own' ? isNull(table.viaCredentialId) : isNotNull(table.viaCredentialId),
  );
}

/** The part of a dialect's select that both adapters' queries share: the rows, ordered. */
interface OrderedIds {
  limit(limit: number): { offset(offset: number): unknown };
}

/**
 * The person's live sessions held by `holder` that make room for one more within
 * `sessionPolicy.maxLivePerPerson`: those past the newest `maxLivePerPerson - 1`, found as
 * every one up to the first of them. `newestFirst` is the dialect's select of those sessions'
 * ids, newest first, under a condition.
 */
export function roomForSessionWhere(
  table: SessionColumns,
  holder: SessionHolder,
  newestFirst: (where: SQL | undefined) => OrderedIds,
): SQL | undefined {
  const held = liveSessionsHeldBy(table, holder);
  const firstPast = newestFirst(held)
    .limit(1)
    .offset(sessionPolicy.maxLivePerPerson - 1);
  return and(held, lte(table.id, firstPast));
}

/** A user's sessions revoked by this command (at `now`, for `reason`). */
export function revokedNow(
  table: SessionColumns,
  userId: number,
  reason: string,
  now: number,
): SQL | undefined {
  return and(eq(table.userId, userId), eq(table.revokedAt, now), eq(table.revokedReason, reason));
}

/**
 * The impersonations an own session (placeholder `actorSessionId`) runs or asked a hand-off for,
 * but the one starting (placeholder `startingId`): what a start ends (docs/decisions/037). With
 * `unused`, only the hand-offs it asked for and never used: what asking for another ends, so
 * that a session holds at most one unused hand-off and a start ends at most two.
 */
export function othersOfOwnSessionWhere(
  table: { id: Column; actorSessionId: Column; startedAt: Column; endedAt: Column },
  which: 'all' | 'unused' = 'all',
): SQL | undefined {
  return and(
    eq(table.actorSessionId, sql.placeholder('actorSessionId')),
    ne(table.id, sql.placeholder('startingId')),
    isNull(table.endedAt),
    which === 'unused' ? isNull(table.startedAt) : undefined,
  );
}

/** The tables a search of a person's sessions reads: names, and where their own sit. */
interface SearchedSessions {
  sessions: { userAgent: Column; ip: Column; impersonationId: Column };
  organizations: { name: Column };
  /** The user acting in the session, if someone is (an alias of the users). */
  actor: { name: Column };
}

/**
 * A person's sessions matching a search (SPEC §8b `?query=`): the text anywhere in the
 * organization's name, the name of whoever acts as them in it, or, for their own sessions only,
 * the device and address (a session someone else holds as them does not show where that person
 * sits, so it is not found by it either). `contains` is the adapter's (search.ts: any case, in
 * any script; `%` and `_` are text). The person's live sessions are few (ADR 004's cap), so
 * matching them is bounded by the cap, not by the text.
 */
export function sessionsMatching(
  { sessions, organizations, actor }: SearchedSessions,
  query: string,
  contains: (term: string, ...columns: Column[]) => SQL | undefined,
): SQL | undefined {
  return or(
    contains(query, organizations.name, actor.name),
    and(isNull(sessions.impersonationId), contains(query, sessions.userAgent, sessions.ip)),
  );
}
