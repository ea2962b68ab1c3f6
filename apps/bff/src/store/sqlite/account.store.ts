import { and, eq } from 'drizzle-orm';
import type { AccountStore } from '../../features/account/account.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { recordAudit } from './audit.ts';
import type { SqliteContext } from './context.ts';
import { endCredentialsFor } from './credentials.ts';
import {
  endImpersonationsFromRevoked,
  endImpersonationsOfTarget,
  endTeamImpersonationsOfProfile,
} from './impersonations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { revokeSessionsOfUser } from './sessions.ts';

export function sqliteAccount({ db }: SqliteContext): AccountStore {
  return {
    async recordPasswordChangeFailed({ audit, meta }) {
      db.transaction((tx) => {
        recordAudit(tx, audit, meta);
      });
    },
    async passwordHashOf(userId) {
      return db
        .select({ passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.id, userId))
        .get()?.passwordHash;
    },
    async setImpersonationPreference({ profileId, before, allow, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction((tx) => {
          const changed = tx
            .update(profiles)
            .set({ allowTeamImpersonation: allow })
            .where(and(eq(profiles.id, profileId), eq(profiles.allowTeamImpersonation, before)))
            .run();
          if (changed.changes !== 1) throw new LostRace();
          // The opt-out binds running team impersonations too, not only new ones.
          if (!allow) endTeamImpersonationsOfProfile(tx, profileId, 'target_opted_out', now, meta);
          recordAudit(tx, audit, meta);
          return 'changed' as const;
        }),
      );
    },
    async changePassword(command) {
      const { userId, previousHash, passwordHash, keepSessionId, audit, now, meta } = command;
      return orLostRace(() =>
        db.transaction((tx) => {
          const changed = tx
            .update(users)
            .set({ passwordHash, passwordChangedAt: now })
            .where(and(eq(users.id, userId), eq(users.passwordHash, previousHash)))
            .run();
          if (changed.changes !== 1) throw new LostRace();
          // Every link and token made for this person dies with the old password (SPEC §4b).
          endCredentialsFor(tx, userId, 'password_changed', now);
          endImpersonationsOfTarget(tx, userId, 'revoked', now, meta);
          // Every other live session of the user: a password change signs out the rest, and
          // ends what was started from them.
          revokeSessionsOfUser(tx, userId, 'password_changed', now, keepSessionId);
          endImpersonationsFromRevoked(tx, userId, 'password_changed', now, meta);
          recordAudit(tx, audit, meta);
          return 'changed' as const;
        }),
      );
    },
  };
}
