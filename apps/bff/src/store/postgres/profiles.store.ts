import { asc, eq, sql } from 'drizzle-orm';
import type { ProfilesStore } from '../../features/profiles/profiles.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { appendAudit } from './audit.ts';
import { sentTogether, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { endImpersonationsOfActorSessions } from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { prepared } from './prepared.ts';
import { organizations, profiles, users } from './schema.ts';
import { holdMintingFor, mintSession, revokeSession } from './sessions.ts';
import { listMembers } from './team.store.ts';

/** A user's profiles: the chooser and the profiles list read it on every visit. */
const profilesOfUser = prepared((db) =>
  db
    .select({
      profile: profiles,
      user: { id: users.id, name: users.name, email: users.email, status: users.status },
      organization: organizations,
    })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .orderBy(asc(organizations.name), asc(organizations.id))
    .prepare('profiles_of_user'),
);

export function postgresProfiles({ db, auditKey }: PostgresContext): ProfilesStore {
  return {
    async ofUser(userId) {
      if (!isIntegerId(userId)) return [];
      return profilesOfUser(db).execute({ userId });
    },
    async coworkers(organizationId, page) {
      return listMembers(db, organizationId, page);
    },
    async switchTo({ replacing, session, audit, now, meta }) {
      return orLostRace(() =>
        transaction(db, async (tx) => {
          // The person's turn first, as every command minting them a session takes it: a
          // sign-in at the cap choosing the session replaced here would otherwise find it gone
          // and sign nothing out (found by a review).
          const [turn, rotated] = sentTogether(
            holdMintingFor(tx, session),
            revokeSession(tx, replacing, 'rotated', now),
          );
          await turn;
          if (!(await rotated)) throw new LostRace();
          await endImpersonationsOfActorSessions(tx, auditKey, [replacing], now, meta);
          const minted = await mintSession(tx, session);
          await appendAudit(tx, auditKey, { ...audit, sessionId: minted.session.id }, meta);
          return minted;
        }),
      );
    },
  };
}
