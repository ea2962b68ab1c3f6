import { and, desc, eq, isNull, sql } from 'drizzle-orm';
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
import type { SessionLookup, SessionRow } from '../rows.ts';
import { sessionUserColumns } from '../session-user.ts';
import { type PgDb, type PgQueryable, sentTogether } from './client.ts';
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

const roomFor = (holder: SessionHolder) =>
  prepared((db) =>
    db
      .update(sessions)
      .set({ revokedAt: setTo('now'), revokedReason: 'session_limit' })
      .where(
        roomForSessionWhere(sessions, holder, (held) =>
          db.select({ id: sessions.id }).from(sessions).where(held).orderBy(desc(sessions.id)),
        ),
      )
      .prepare(`session_room_for_${holder}`),
  );
const roomForOwn = roomFor('own');
const roomForIntegrations = roomFor('integrations');

/**
 * The advisory locks' first key for "sessions minted for this person", ours alone: one for
 * their own sessions, one for those integrations open as them, counted by caps of their own
 * (ADR 004), so an integration's traffic never queues the person's sign-ins.
 */
const MINTING_FOR: Record<SessionHolder, number> = { own: 0x6f62736d, integrations: 0x6f62736e };

/**
 * Held by a command that mints a session for a person, until it ends: two at once would each
 * count the same live sessions, both sign out the same oldest one (the second finding it gone),
 * and leave the person one past the cap (found by a review). Only such commands take it, before
 * any of the person's session rows, so it waits for nothing they hold.
 */
const mintingFor = prepared((db) =>
  db
    .select({
      locked: sql`pg_advisory_xact_lock(${sql.placeholder('holder')}, ${sql.placeholder('userId')})`,
    })
    .from(sql`(SELECT) AS one_row`)
    .prepare('session_minting_for'),
);

/**
 * Takes the person's turn to be given a session of this kind (`mintingFor`), sent without
 * waiting for its answer: the statements sent behind it run once it is granted. First thing a
 * command does with the person's sessions; `makeRoomForSession` then makes room.
 */
export function holdMintingFor(tx: PgQueryable, session: MintSessionInput): Promise<unknown> {
  if (session.userId === null) return Promise.resolve();
  const holder = MINTING_FOR[session.via ? 'integrations' : 'own'];
  return mintingFor(tx).execute({ holder, userId: session.userId });
}

/**
 * Makes room for a session about to be minted for a person: signs out the oldest of their live
 * sessions held as this one will be (their own, or integrations') beyond the newest
 * `sessionPolicy.maxLivePerPerson - 1` (ULIDs sort by time), in one indexed statement, wherever a
 * person gets a session that is not an impersonation, after the command took the person's turn
 * (`holdMintingFor`), which this sends first unless told it is held. Run before the insert, so
 * it takes the session rows before a command's audit append takes the chain head, in the order
 * every other command takes them.
 */
export async function makeRoomForSession(
  tx: PgQueryable,
  session: MintSessionInput,
  { held = false }: { held?: boolean } = {},
): Promise<void> {
  const { userId, now, via } = session;
  if (userId === null) return;
  const turn = held ? Promise.resolve() : holdMintingFor(tx, session);
  const [, room] = sentTogether(
    turn,
    via
      ? roomForIntegrations(tx).execute({ userId, now })
      : roomForOwn(tx).execute({ userId, now }),
  );
  await turn;
  await room;
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

/** Sessions deleted per statement: each a short statement of its own. */
const DEAD_BATCH = 1000;

/**
 * Deletes the sessions whose absolute expiry is more than `sessionPolicy.keptAfterExpiryMs`
 * before `now`, a batch at a time (housekeeping, once a minute, in every process: rows another
 * process is deleting are skipped, not waited for), at most `batches` of them a run. How many it
 * deleted. The same as on SQLite (store/sqlite/sessions.ts).
 */
export async function deleteDeadSessions(db: PgDb, now: number, batches = 10): Promise<number> {
  const before = now - sessionPolicy.keptAfterExpiryMs;
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const { rowCount } = await db.$client.query(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, DEAD_BATCH],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < DEAD_BATCH) break;
  }
  return deleted;
}
