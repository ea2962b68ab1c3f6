import { asc, eq, sql } from 'drizzle-orm';
import type { ProfilesStore } from '../../features/profiles/profiles.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { endImpersonationsOfActorSessions } from './impersonations.ts';
import { preparedPerHandle } from './prepared.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { mintSession, revokeSession } from './sessions.ts';
import { listMembers } from './team.store.ts';

const profileColumns = {
  profile: profiles,
  user: { id: users.id, name: users.name, email: users.email, status: users.status },
  organization: organizations,
};

const profilesOfUser = preparedPerHandle((db: Queryable) =>
  db
    .select(profileColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    // Organizations may share a name: their ids keep the order the same on every store.
    .orderBy(asc(organizations.name), asc(organizations.id))
    .prepare(),
);

export function sqliteProfiles({ db }: SqliteContext): ProfilesStore {
  return {
    async ofUser(userId) {
      return profilesOfUser(db).all({ userId });
    },
    async coworkers(organizationId, page) {
      return listMembers(db, organizationId, page);
    },
    async switchTo({ replacing, session, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction((tx) => {
          if (!revokeSession(tx, replacing, 'rotated', now)) throw new LostRace();
          endImpersonationsOfActorSessions(tx, [replacing], now, meta);
          const minted = mintSession(tx, session);
          recordAudit(tx, { ...audit, sessionId: minted.session.id }, meta);
          return minted;
        }),
      );
    },
  };
}
