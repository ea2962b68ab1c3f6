import { and, eq } from 'drizzle-orm';
import type { AccountStore } from '../../features/account/account.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { appendAudit } from './audit.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { endCredentialsFor } from './credentials.ts';
import {
  endImpersonationsFromRevoked,
  endImpersonationsOfTarget,
  endTeamImpersonationsOfProfile,
} from './impersonations.ts';
import { profiles, users } from './schema.ts';
import { revokeSessionsOfUser } from './sessions.ts';

export function postgresAccount({ db, auditKey }: PostgresContext): AccountStore {
  return {
    async recordPasswordChangeFailed({ audit, meta }) {
      await transaction(db, (tx) => appendAudit(tx, auditKey, audit, meta));
    },
    async passwordHashOf(userId) {
      const [found] = await db
        .select({ passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.id, userId));
      return found?.passwordHash;
    },
    async setImpersonationPreference({ profileId, before, allow, audit, now, meta }) {
      return orLostRace(() =>
        transaction(db, async (tx) => {
          const changed = await tx
            .update(profiles)
            .set({ allowTeamImpersonation: allow })
            .where(and(eq(profiles.id, profileId), eq(profiles.allowTeamImpersonation, before)))
            .returning({ id: profiles.id });
          if (changed.length !== 1) throw new LostRace();
          // The opt-out binds running team impersonations too, not only new ones.
          if (!allow) {
            await endTeamImpersonationsOfProfile(
              tx,
              auditKey,
              profileId,
              'target_opted_out',
              now,
              meta,
            );
          }
          await appendAudit(tx, auditKey, audit, meta);
          return 'changed' as const;
        }),
      );
    },
    async changePassword(command) {
      const { userId, previousHash, passwordHash, keepSessionId, audit, now, meta } = command;
      return orLostRace(() =>
        transaction(db, async (tx) => {
          const changed = await tx
            .update(users)
            .set({ passwordHash, passwordChangedAt: now })
            .where(and(eq(users.id, userId), eq(users.passwordHash, previousHash)))
            .returning({ id: users.id });
          if (changed.length !== 1) throw new LostRace();
          // Every link and token made for this person dies with the old password (SPEC §4b).
          await endCredentialsFor(tx, userId, 'password_changed', now);
          await endImpersonationsOfTarget(tx, auditKey, userId, 'revoked', now, meta);
          // Every other live session of the user: a password change signs out the rest, and
          // ends what was started from them.
          // The sessions' rows before their impersonations', as every command takes them (ADR 037).
          await revokeSessionsOfUser(tx, userId, 'password_changed', now, keepSessionId);
          await endImpersonationsFromRevoked(tx, auditKey, userId, 'password_changed', now, meta);
          await appendAudit(tx, auditKey, audit, meta);
          return 'changed' as const;
        }),
      );
    },
  };
}
