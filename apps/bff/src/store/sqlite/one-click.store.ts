import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type {
  EntryOfNewSession,
  Started,
} from '../../features/impersonation/impersonation.store.ts';
import type { OneClickStore } from '../../features/one-click/one-click.store.ts';
import type { LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { MintSessionInput } from '../../lib/session-row.ts';
import { recordAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { Queryable, Tx } from './client.ts';
import type { SqliteContext } from './context.ts';
import { liveCredentialsOf, loadMaker, withdrawUndelivered } from './credentials.ts';
import { startHandoverIn } from './impersonation.store.ts';
import { endImpersonationsOfActorSessions } from './impersonations.ts';
import { recordAttempt } from './login-attempts.ts';
import { preparedPerHandle } from './prepared.ts';
import { oneClickLinks } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { makeRoomForSession, mintSession, revokeSession } from './sessions.ts';

const userById = preparedPerHandle((db: Queryable) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare(),
);

const profilesOf = preparedPerHandle((db: Queryable) =>
  db
    .select({ profile: profiles, organization: organizations })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .orderBy(asc(profiles.id))
    .prepare(),
);

const linkWithUser = preparedPerHandle((db: Queryable) =>
  db
    .select({ link: oneClickLinks, user: users })
    .from(oneClickLinks)
    .innerJoin(users, eq(users.id, oneClickLinks.userId))
    .where(eq(oneClickLinks.secretHash, sql.placeholder('secretHash')))
    .prepare(),
);

/** Single use: only one redemption can set used_at, and never on a revoked link. */
const claim = preparedPerHandle((db: Queryable) =>
  db
    .update(oneClickLinks)
    .set({ usedAt: sql.placeholder('now') as never })
    .where(
      and(
        eq(oneClickLinks.id, sql.placeholder('id')),
        isNull(oneClickLinks.usedAt),
        isNull(oneClickLinks.revokedAt),
      ),
    )
    .prepare(),
);

function claimLink(tx: Tx, id: string, now: number): boolean {
  return claim(tx).run({ id, now }).changes === 1;
}

/**
 * The session a redeemed link or token opens, in the caller's transaction, which has just
 * claimed it: the session this browser had is revoked (the person chose to replace it on the
 * Continue page), the new one minted within the person's cap on live sessions, the attempt
 * recorded and audited with it.
 */
export function openRedeemedSession(
  tx: Tx,
  redeemed: {
    session: MintSessionInput;
    replacing: string | null;
    attempt: LoginAttempt;
    audit: EntryOfNewSession;
    now: number;
  },
  meta: RequestMeta,
): Started {
  if (redeemed.replacing) {
    revokeSession(tx, redeemed.replacing, 'replaced', redeemed.now);
    endImpersonationsOfActorSessions(tx, [redeemed.replacing], redeemed.now, meta);
  }
  makeRoomForSession(tx, redeemed.session);
  const minted = mintSession(tx, redeemed.session);
  recordAttempt(tx, redeemed.attempt, meta);
  recordAudit(tx, { ...redeemed.audit, sessionId: minted.session.id }, meta);
  return minted;
}

export function sqliteOneClick({ db }: SqliteContext): OneClickStore {
  return {
    async findUser(userId) {
      return userById(db).get({ id: userId });
    },
    async findUserByEmail(email) {
      return db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
        .get();
    },
    async profilesOf(userId) {
      return profilesOf(db).all({ userId });
    },
    async findOrganization(id) {
      return db.select().from(organizations).where(eq(organizations.id, id)).get();
    },
    async findBySecretHash(secretHash) {
      return linkWithUser(db).get({ secretHash });
    },
    async makerOf(createdBy, subjectUserId) {
      return loadMaker(db, createdBy, subjectUserId);
    },

    async issue({ link, audit, meta, room }) {
      return db.transaction((tx) => {
        if (room && liveCredentialsOf(tx, room.userId, link.createdAt) >= room.cap) {
          return 'too_many' as const;
        }
        tx.insert(oneClickLinks).values(link).run();
        for (const entry of audit) recordAudit(tx, entry, meta);
        return 'issued' as const;
      });
    },
    async recordRequested({ audit, meta }) {
      db.transaction((tx) => recordAudit(tx, audit, meta));
    },
    async provision({ user, profile, now, records, meta }) {
      return db.transaction((tx) => {
        const created = tx
          .insert(users)
          .values({ ...user, kind: 'customer', createdAt: now })
          .onConflictDoNothing()
          .returning()
          .get();
        if (!created) return 'exists' as const;
        const profileId = tx
          .insert(profiles)
          .values({ ...profile, userId: created.id, createdAt: now })
          .returning({ id: profiles.id })
          .get().id;
        const written = records({ user: created, profileId });
        // The person exists before anything names them; the link before its audit entry.
        if (written.link) tx.insert(oneClickLinks).values(written.link).run();
        for (const entry of written.audit) recordAudit(tx, entry, meta);
        return { user: created, profileId, records: written };
      });
    },
    async recordFailure({ attempt, audit, meta, repeats }) {
      recordRepeatable(db, audit, repeats, meta, (tx) => recordAttempt(tx, attempt, meta));
    },
    async redeem(command) {
      return db.transaction((tx) => {
        if (!claimLink(tx, command.linkId, command.now)) return 'lost_race' as const;
        return openRedeemedSession(tx, command, command.meta);
      });
    },
    async redeemHandover({ linkId, attempt, audit, start, now, meta }) {
      return db.transaction((tx) => {
        if (!claimLink(tx, linkId, now)) return 'lost_race' as const;
        recordAttempt(tx, attempt, meta);
        recordAudit(tx, audit, meta);
        return startHandoverIn(tx, start, meta);
      });
    },

    async recordMailed({ audit, meta }) {
      db.transaction((tx) => recordAudit(tx, audit, meta));
    },
    async withdrawUndelivered({ credential, audit, now, meta }) {
      db.transaction((tx) => {
        withdrawUndelivered(tx, credential, now);
        recordAudit(tx, audit, meta);
      });
    },
  };
}
