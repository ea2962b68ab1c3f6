import { setImmediate as nextTurn } from 'node:timers/promises';
import { and, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { sessionPolicy } from '../../domain/sessions.ts';
import {
  type MintSessionInput,
  newSession,
  SESSION_COLUMNS,
  sessionTouchDue,
} from '../../lib/session-row.ts';
import { sha256 } from '../../lib/tokens.ts';
import { liveSessionsOf, roomForSessionWhere, type SessionHolder } from '../own-sessions.ts';
import { placeholdersFor } from '../placeholders.ts';
import { sessionUserColumns } from '../session-user.ts';
import type { Db, Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { type SessionRow, sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';

export type { MintSessionInput } from '../../lib/session-row.ts';

/** Creates a session and returns the only copy of its token. */
export function mintSession(tx: Queryable, input: MintSessionInput) {
  const minted = newSession(input);
  insertSession(tx).run(minted.session);
  return minted;
}

const insertSession = preparedPerHandle((db: Queryable) =>
  db.insert(sessions).values(placeholdersFor(SESSION_COLUMNS)).prepare(),
);

const revoke = preparedPerHandle((db: Queryable) =>
  db
    .update(sessions)
    .set({
      revokedAt: sql.placeholder('now') as never,
      revokedReason: sql.placeholder('reason') as never,
    })
    .where(and(eq(sessions.id, sql.placeholder('id')), isNull(sessions.revokedAt)))
    .prepare(),
);

export function revokeSession(tx: Queryable, id: string, reason: string, now: number): boolean {
  return revoke(tx).run({ id, reason, now }).changes === 1;
}

/** The user's columns but the password hash (`SessionUser`), built once. */
const userColumns = sessionUserColumns(users);

function sessionWithParties(db: Queryable) {
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

const byTokenHash = preparedPerHandle((db: Queryable) =>
  sessionWithParties(db)
    .where(eq(sessions.tokenHash, sql.placeholder('hash')))
    .prepare(),
);

/** One indexed lookup: the session with its user, active profile and organization. */
export function findSessionByToken(db: Queryable, token: string) {
  return byTokenHash(db).get({ hash: sha256(token) });
}

const byId = preparedPerHandle((db: Queryable) =>
  sessionWithParties(db)
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare(),
);

export function findSessionWithPartiesById(db: Queryable, id: string) {
  return byId(db).get({ id });
}

/**
 * Writes `last_seen_at` at most once per interval. Requests may touch one session out of order
 * (each with the session as it read it), so the newest instant wins: it never moves back, as
 * on PostgreSQL (a mutation review found SQLite's moved back).
 */
export function touchSession(db: Queryable, session: SessionRow, now: number): void {
  if (!sessionTouchDue(session, now)) return;
  db.update(sessions)
    .set({ lastSeenAt: sql`max(${sessions.lastSeenAt}, ${now})` })
    .where(eq(sessions.id, session.id))
    .run();
}

const roomFor = (holder: SessionHolder) =>
  preparedPerHandle((db: Queryable) =>
    db
      .update(sessions)
      .set({ revokedAt: sql.placeholder('now') as never, revokedReason: 'session_limit' })
      .where(
        roomForSessionWhere(sessions, holder, (held) =>
          db.select({ id: sessions.id }).from(sessions).where(held).orderBy(desc(sessions.id)),
        ),
      )
      .prepare(),
  );
const roomForOwn = roomFor('own');
const roomForIntegrations = roomFor('integrations');

/**
 * Makes room for a session about to be minted for a person: signs out the oldest of their live
 * sessions held as this one will be (their own, or integrations') beyond the newest
 * `sessionPolicy.maxLivePerPerson - 1` (ULIDs sort by time), in one indexed statement, wherever a
 * person gets a session that is not an impersonation.
 */
export function makeRoomForSession(tx: Queryable, session: MintSessionInput): void {
  const { userId, now, via } = session;
  if (userId === null) return;
  if (via) roomForIntegrations(tx).run({ userId, now });
  else roomForOwn(tx).run({ userId, now });
}

/** Signs a user out everywhere (but `exceptSessionId`): their live sessions revoked. */
export function revokeSessionsOfUser(
  tx: Queryable,
  userId: number,
  reason: string,
  now: number,
  exceptSessionId: string | null = null,
) {
  tx.update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(liveSessionsOf(sessions, userId, exceptSessionId, now))
    .run();
}

/** Sessions deleted per statement: each a short transaction, the event loop free between. */
const DEAD_BATCH = 1000;

/**
 * Deletes the sessions whose absolute expiry is more than `sessionPolicy.keptAfterExpiryMs`
 * before `now`, a batch at a time (housekeeping, once a minute), at most `batches` of them a
 * run. How many it deleted.
 */
export async function deleteDeadSessions(db: Db, now: number, batches = 10): Promise<number> {
  const before = now - sessionPolicy.keptAfterExpiryMs;
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const { changes } = db.transaction((tx) => deadBatch(tx).run({ before, limit: DEAD_BATCH }));
    deleted += changes;
    if (changes < DEAD_BATCH) break;
    await nextTurn();
  }
  return deleted;
}

const deadQuery = (db: Queryable) =>
  db.delete(sessions).where(
    inArray(
      sessions.id,
      db
        .select({ id: sessions.id })
        .from(sessions)
        .where(lt(sessions.expiresAt, sql.placeholder('before')))
        .limit(sql.placeholder('limit')),
    ),
  );

const deadBatch = preparedPerHandle((db: Queryable) => deadQuery(db).prepare());

/** The batch's SQL, for a test that asks SQLite how it runs it. */
export const deadBatchSql = (db: Queryable) => deadQuery(db).toSQL();
