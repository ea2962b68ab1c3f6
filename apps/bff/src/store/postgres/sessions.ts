import { and, eq, isNull, sql } from 'drizzle-orm';
import {
  type MintSessionInput,
  newSession,
  SESSION_COLUMNS,
  sessionTouchDue,
} from '../../lib/session-row.ts';
import { sha256 } from '../../lib/tokens.ts';
import { liveSessionsOf } from '../own-sessions.ts';
import { placeholdersFor } from '../placeholders.ts';
import type { SessionLookup, SessionRow } from '../rows.ts';
import { sessionUserColumns } from '../session-user.ts';
import type { PgDb, PgQueryable } from './client.ts';
import { prepared, setTo } from './prepared.ts';
import { organizations, profiles, sessions, users } from './schema.ts';

/**
 * Sessions on PostgreSQL: the same functions, meaning and answers as on SQLite
 * (store/sqlite/sessions.ts), async, each one statement on the caller's connection or transaction.
 */

/** Creates a session and returns the only copy of its token. */

const insertSession = prepared((db) =>
  db.insert(sessions).values(placeholdersFor(SESSION_COLUMNS)).prepare('session_insert'),
);

export async function mintSession(
  tx: PgQueryable,
  input: MintSessionInput,
): Promise<{ token: string; session: SessionRow }> {
  const minted = newSession(input);
  await insertSession(tx).execute(minted.session);
  return minted;
}

const revoke = prepared((db) =>
  db
    .update(sessions)
    .set({ revokedAt: setTo('now'), revokedReason: setTo('reason') })
    .where(and(eq(sessions.id, sql.placeholder('id')), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id })
    .prepare('session_revoke'),
);

/** Revokes a live session once (compare-and-set on revoked_at); false when it already was. */
export async function revokeSession(
  tx: PgQueryable,
  id: string,
  reason: string,
  now: number,
): Promise<boolean> {
  const revoked = await revoke(tx).execute({ id, reason, now });
  return revoked.length === 1;
}

/** The user's columns but the password hash (`SessionUser`), built once. */
const userColumns = sessionUserColumns(users);

function sessionWithParties(db: PgQueryable) {
  return db
    .select({
      session: sessions,
      user: userColumns,
      profile: profiles,
      organization: organizations,
    })
    .from(sessions)
    .leftJoin(users, eq(users.id, sessions.userId))
    .leftJoin(profiles, eq(profiles.id, sessions.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
}

const byTokenHash = prepared((db) =>
  sessionWithParties(db)
    .where(eq(sessions.tokenHash, sql.placeholder('hash')))
    .prepare('session_by_token_hash'),
);

/**
 * One indexed lookup: the session with its user, active profile and organization. It runs on
 * every request, prepared once per pooled connection.
 */
export async function findSessionByToken(
  db: PgDb,
  token: string,
): Promise<SessionLookup | undefined> {
  const [found] = await byTokenHash(db).execute({ hash: sha256(token) });
  return found;
}

export async function findSessionWithPartiesById(
  db: PgQueryable,
  id: string,
): Promise<SessionLookup | undefined> {
  const [found] = await sessionWithParties(db).where(eq(sessions.id, id));
  return found;
}

/**
 * Writes `last_seen_at` at most once per interval. Several processes may touch one session out
 * of order, so the newest instant wins: it never moves back.
 */
const touch = prepared((db) =>
  db
    .update(sessions)
    .set({ lastSeenAt: sql`GREATEST(${sessions.lastSeenAt}, ${sql.placeholder('now')}::bigint)` })
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare('session_touch'),
);

export async function touchSession(db: PgDb, session: SessionRow, now: number) {
  if (!sessionTouchDue(session, now)) return;
  await touch(db).execute({ id: session.id, now });
}

/**
 * Signs the person's oldest live sessions out beyond the newest `keep` (ULIDs sort by time):
 * one indexed statement, run at a password sign-in (`sessionPolicy.maxLivePerPerson`).
 */
export async function revokeBeyondNewest(
  tx: PgQueryable,
  userId: number,
  keep: number,
  now: number,
): Promise<void> {
  await tx.execute(sql`UPDATE sessions SET revoked_at = ${now}, revoked_reason = 'session_limit'
    WHERE id IN (SELECT id FROM sessions
      WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}
      ORDER BY id DESC OFFSET ${keep})`);
}

/** Signs a user out everywhere (but `exceptSessionId`): their live sessions revoked. */
export async function revokeSessionsOfUser(
  tx: PgQueryable,
  userId: number,
  reason: string,
  now: number,
  exceptSessionId: string | null = null,
): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(liveSessionsOf(sessions, userId, exceptSessionId, now));
}
