import { and, eq, isNull, sql } from 'drizzle-orm';
import type {
  EntryOfNewSession,
  Started,
} from '../../features/impersonation/impersonation.store.ts';
import type { OneClickStore } from '../../features/one-click/one-click.store.ts';
import { ATTEMPT_COLUMNS, attemptRow, type LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { type MintSessionInput, newSession, SESSION_COLUMNS } from '../../lib/session-row.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { placeholdersFor, prefixed } from '../placeholders.ts';
import { appendAfterLock, appendAudit, lockChainHead } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { type PgTx, sentTogether, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { liveCredentialsOf, loadMaker, withdrawUndelivered } from './credentials.ts';
import { startHandoverIn } from './impersonation.store.ts';
import { endImpersonationsOfActorSessions } from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { recordAttempt } from './login-attempts.ts';
import { profilesWithOrganization, userById } from './lookups.ts';
import { prepared, setTo } from './prepared.ts';
import {
  loginAttempts,
  oneClickLinks,
  organizations,
  profiles,
  sessions,
  users,
} from './schema.ts';
import { holdMintingFor, makeRoomForSession, revokeSession } from './sessions.ts';

/**
 * Single use: of concurrent redemptions on any process, the first to update the row wins; the
 * others wait for its commit, then find `used_at` set and change nothing.
 */
async function claimLink(tx: PgTx, id: string, now: number): Promise<boolean> {
  const claimed = await claim(tx).execute({ id, now });
  return claimed.length === 1;
}

const claim = prepared((db) =>
  db
    .update(oneClickLinks)
    .set({ usedAt: setTo('now') })
    .where(
      and(
        eq(oneClickLinks.id, sql.placeholder('id')),
        isNull(oneClickLinks.usedAt),
        isNull(oneClickLinks.revokedAt),
      ),
    )
    .returning({ id: oneClickLinks.id })
    .prepare('one_click_claim'),
);

const linkBySecretHash = prepared((db) =>
  db
    .select({ link: oneClickLinks, user: users })
    .from(oneClickLinks)
    .innerJoin(users, eq(users.id, oneClickLinks.userId))
    .where(eq(oneClickLinks.secretHash, sql.placeholder('secretHash')))
    .prepare('one_click_by_secret_hash'),
);

/**
 * The session a redeemed link or token opens, in the caller's transaction, sent right behind its
 * claim (`claimed`, the claim's answer to come: did it take the credential?) without waiting for
 * that answer: one wait less per redemption (docs/decisions/022-postgresql-costs.md). The
 * session this browser had is revoked (the person chose to replace it on the Continue page), the
 * new one minted within the person's cap on live sessions, the attempt recorded and audited
 * with it. PostgreSQL runs the statements in the order sent, so the session's are run only once
 * the claim has its row; a claim that lost throws `LostRace`, and everything sent behind it
 * rolls back.
 */
export async function openClaimedSession(
  tx: PgTx,
  auditKey: Buffer,
  claimed: Promise<boolean>,
  redeemed: {
    session: MintSessionInput;
    replacing: string | null;
    attempt: LoginAttempt;
    audit: EntryOfNewSession;
    now: number;
  },
  meta: RequestMeta,
): Promise<Started> {
  const minted = newSession(redeemed.session);
  const { replacing, now } = redeemed;
  // The person's turn to be given a session before the session replaced (theirs, mostly), as
  // every command that mints one takes them (sessions.ts `holdMintingFor`).
  const [claim, turn, replaced, roomMade] = sentTogether(
    claimed,
    holdMintingFor(tx, redeemed.session),
    replacing ? revokeSession(tx, replacing, 'replaced', now) : Promise.resolve(true),
    makeRoomForSession(tx, redeemed.session, { held: true }),
  );
  // The session and its attempt, then the head's lock, each its own statement: the inserts'
  // foreign keys take the person's and profile's rows (KEY SHARE) at the end of theirs, which
  // must come before the head, the last lock a command takes (audit.ts).
  const open = () =>
    sentTogether(
      openSession(tx).execute({
        ...prefixed('session_', minted.session),
        ...prefixed('attempt_', attemptRow(redeemed.attempt, meta)),
      }),
      lockChainHead(tx),
    );
  // Sent right behind, but where the impersonations started from the session replaced must end
  // first (rare).
  const sent = replacing ? undefined : open();
  if (!(await claim)) throw new LostRace();
  await turn;
  await replaced;
  await roomMade;
  // They end with the session, each audited before the redemption.
  if (replacing) await endImpersonationsOfActorSessions(tx, auditKey, [replacing], now, meta);
  const [opened, locked] = sent ?? open();
  await opened;
  const [head] = await locked;
  await appendAfterLock(
    tx,
    auditKey,
    head,
    { ...redeemed.audit, sessionId: minted.session.id },
    meta,
  );
  return minted;
}

/**
 * The new session and its attempt in one statement, sent with the statements before it and the
 * head's lock behind it: one round trip for them all (ADR 022). The credential's row stays
 * locked from its claim to the commit, and a reusable token's row is claimed by every use of
 * it, so its uses wait on each other for the claim's statements, the lock's answer and the
 * append's with the commit.
 */
const openSession = prepared((db) => {
  const minted = db
    .$with('minted')
    .as(
      db
        .insert(sessions)
        .values(placeholdersFor(SESSION_COLUMNS, 'session_'))
        .returning({ id: sessions.id }),
    );
  return db
    .with(minted)
    .insert(loginAttempts)
    .values(placeholdersFor(ATTEMPT_COLUMNS, 'attempt_'))
    .prepare('redeemed_session_open');
});

export function postgresOneClick({ db, auditKey }: PostgresContext): OneClickStore {
  return {
    async findUser(userId) {
      if (!isIntegerId(userId)) return undefined;
      const [found] = await userById(db).execute({ id: userId });
      return found;
    },
    async findUserByEmail(email) {
      const [found] = await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
      return found;
    },
    async profilesOf(userId) {
      if (!isIntegerId(userId)) return [];
      return profilesWithOrganization(db).execute({ userId });
    },
    async findOrganization(id) {
      if (!isIntegerId(id)) return undefined;
      const [found] = await db.select().from(organizations).where(eq(organizations.id, id));
      return found;
    },
    async findBySecretHash(secretHash) {
      const [found] = await linkBySecretHash(db).execute({ secretHash });
      return found;
    },
    async makerOf(createdBy, subjectUserId) {
      return loadMaker(db, createdBy, subjectUserId);
    },

    async issue({ link, audit, meta, room }) {
      return transaction(db, async (tx) => {
        if (room && (await liveCredentialsOf(tx, room.userId, link.createdAt)) >= room.cap) {
          return 'too_many' as const;
        }
        await tx.insert(oneClickLinks).values(link);
        for (const entry of audit) await appendAudit(tx, auditKey, entry, meta);
        return 'issued' as const;
      });
    },
    async recordRequested({ audit, meta }) {
      await transaction(db, (tx) => appendAudit(tx, auditKey, audit, meta));
    },
    async provision({ user, profile, now, records, meta }) {
      return transaction(db, async (tx) => {
        // Another process provisioning the same address at once: the unique index decides,
        // and the loser writes nothing.
        const [created] = await tx
          .insert(users)
          .values({ ...user, kind: 'customer', createdAt: now })
          .onConflictDoNothing()
          .returning();
        if (!created) return 'exists' as const;
        const [inserted] = await tx
          .insert(profiles)
          .values({ ...profile, userId: created.id, createdAt: now })
          .returning({ id: profiles.id });
        if (!inserted) throw new Error('The new profile was not written');
        const written = records({ user: created, profileId: inserted.id });
        if (written.link) await tx.insert(oneClickLinks).values(written.link);
        for (const entry of written.audit) await appendAudit(tx, auditKey, entry, meta);
        return { user: created, profileId: inserted.id, records: written };
      });
    },
    async recordFailure({ attempt, audit, meta, repeats }) {
      await recordRepeatable(db, auditKey, audit, repeats, meta, (tx) =>
        recordAttempt(tx, attempt, meta),
      );
    },
    async redeem(command) {
      return orLostRace(() =>
        transaction(db, (tx) =>
          openClaimedSession(
            tx,
            auditKey,
            claimLink(tx, command.linkId, command.now),
            command,
            command.meta,
          ),
        ),
      );
    },
    async redeemHandover({ linkId, attempt, audit, start, now, meta }) {
      return transaction(db, async (tx) => {
        if (!(await claimLink(tx, linkId, now))) return 'lost_race' as const;
        await recordAttempt(tx, attempt, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return startHandoverIn(tx, auditKey, start, meta);
      });
    },

    async recordMailed({ audit, meta }) {
      await transaction(db, (tx) => appendAudit(tx, auditKey, audit, meta));
    },
    async withdrawUndelivered({ credential, audit, now, meta }) {
      await transaction(db, async (tx) => {
        await withdrawUndelivered(tx, credential, now);
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
  };
}
