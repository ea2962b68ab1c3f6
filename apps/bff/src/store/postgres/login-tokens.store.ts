import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, max, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  type LoginTokensStore,
  TOKEN_SEARCH_IDS,
} from '../../features/login-tokens/login-tokens.store.ts';
import { tokenState, tokensInScope } from '../login-token-rows.ts';
import { orLostRace } from '../lost-race.ts';
import { appendAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { type PgQueryable, type PgTx, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { liveCredentialsOf, loadMaker, revokeSessionsOpenedBy } from './credentials.ts';
import { startHandoverIn } from './impersonation.store.ts';
import { endImpersonationsOfCredential } from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { recordAttempt } from './login-attempts.ts';
import { openClaimedSession } from './one-click.store.ts';
import { narrowPeople } from './people.ts';
import { prepared, setTo } from './prepared.ts';
import { loginAttempts, loginTokens, organizations, profiles, users } from './schema.ts';
import { containsAny, userSortName } from './search.ts';

/** A profile with its person and organization: a login token's subject. */
function profilesWithParties(db: PgQueryable) {
  return db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId));
}

const creator = alias(users, 'creator');

function withParties(db: PgQueryable) {
  return db
    .select({
      token: loginTokens,
      user: users,
      profile: profiles,
      organization: organizations,
      creatorName: creator.name,
    })
    .from(loginTokens)
    .leftJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .leftJoin(users, eq(users.id, profiles.userId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
    .leftJoin(creator, eq(creator.id, loginTokens.createdByUserId));
}

/**
 * Counts a success only if the token still works at this instant; a one-time token is used
 * up by the same statement. Of concurrent redemptions on any process, each waits for the one
 * before it to commit and re-reads the row: a one-time token is used up by the first alone.
 */
async function claimUse(tx: PgTx, id: number, oneTimeUse: boolean, now: number) {
  const claimed = await (oneTimeUse ? claimOneTime : claimReusable)(tx).execute({ id, now });
  return claimed.length === 1;
}

function claimStatement(db: PgQueryable, oneTimeUse: boolean) {
  return db
    .update(loginTokens)
    .set({
      successfulAttempts: sql`${loginTokens.successfulAttempts} + 1`,
      lastAccessedAt: setTo('now'),
      ...(oneTimeUse ? { usedUpAt: setTo('now') } : {}),
    })
    .where(
      and(
        eq(loginTokens.id, sql.placeholder('id')),
        isNull(loginTokens.deletedAt),
        isNull(loginTokens.usedUpAt),
        gt(loginTokens.expiresAt, sql.placeholder('now')),
      ),
    )
    .returning({ id: loginTokens.id });
}

const claimOneTime = prepared((db) =>
  claimStatement(db, true).prepare('login_token_claim_one_time'),
);
const claimReusable = prepared((db) =>
  claimStatement(db, false).prepare('login_token_claim_reusable'),
);

const tokenWithParties = prepared((db) =>
  withParties(db)
    .where(eq(loginTokens.id, sql.placeholder('id')))
    .prepare('login_token_with_parties'),
);

export function postgresLoginTokens({ db, auditKey }: PostgresContext): LoginTokensStore {
  return {
    async list({ now, scope, query, state, before, limit }) {
      // A forged cursor beyond the id column's range (ours hold real ids): nothing is before
      // one below it, everything before one above it. Not compared, as PostgreSQL refuses to.
      const outOfRange = before !== undefined && !isIntegerId(before);
      if (outOfRange && before < 0) return { rows: [], resumeBelow: null };
      const below = before !== undefined && !outOfRange ? before : undefined;
      // A search covers TOKEN_SEARCH_IDS ids below where it starts at most, then says where the
      // next page goes on: a "contains" that matched little read every token.
      let end: number | undefined;
      if (query) {
        const [newest] = await db.select({ id: max(loginTokens.id) }).from(loginTokens);
        const start = Math.min(below ?? Number.MAX_SAFE_INTEGER, (newest?.id ?? 0) + 1);
        end = start - TOKEN_SEARCH_IDS > 1 ? start - TOKEN_SEARCH_IDS : undefined;
      }
      const matches = query
        ? containsAny(query, users.name, users.email, organizations.name, loginTokens.extra)
        : undefined;
      const rows = await withParties(db)
        .where(
          and(
            tokensInScope(loginTokens, organizations.id, scope),
            matches,
            state ? tokenState(loginTokens, state, now) : undefined,
            below !== undefined ? lt(loginTokens.id, below) : undefined,
            end !== undefined ? gte(loginTokens.id, end) : undefined,
          ),
        )
        .orderBy(desc(loginTokens.id))
        .limit(limit + 1);
      return { rows, resumeBelow: rows.length <= limit && end !== undefined ? end : null };
    },
    async find(id, scope = null) {
      if (!isIntegerId(id)) return undefined;
      const [found] =
        scope === null
          ? await tokenWithParties(db).execute({ id })
          : await withParties(db).where(
              and(eq(loginTokens.id, id), tokensInScope(loginTokens, organizations.id, scope)),
            );
      return found;
    },
    async attempts(tokenId, { before, limit }) {
      return db
        .select({
          id: loginAttempts.id,
          at: loginAttempts.at,
          outcome: loginAttempts.outcome,
          ip: loginAttempts.ip,
          userAgent: loginAttempts.userAgent,
        })
        .from(loginAttempts)
        .where(
          and(
            eq(loginAttempts.loginTokenId, tokenId),
            before === undefined ? undefined : lt(loginAttempts.id, before),
          ),
        )
        .orderBy(desc(loginAttempts.id))
        .limit(limit + 1);
    },
    async subject(profileId) {
      if (!isIntegerId(profileId)) return undefined;
      const [found] = await profilesWithParties(db).where(eq(profiles.id, profileId));
      return found;
    },
    async searchSubjects(query, organizationIds, limit) {
      // Found and ordered as on SQLite, and read the way Admin › Users is (`narrowPeople`).
      const narrowed = await narrowPeople(db, { text: query, organizationIds });
      if (narrowed === null) return [];
      return profilesWithParties(db)
        .where(
          and(
            ...narrowed,
            eq(users.kind, 'customer'),
            eq(users.status, 'active'),
            organizationIds
              ? inArray(organizations.id, [...organizationIds.filter(isIntegerId), 0])
              : undefined,
          ),
        )
        .orderBy(userSortName, asc(users.id), asc(profiles.id))
        .limit(limit);
    },
    async makerOf(createdBy, subjectUserId) {
      return loadMaker(db, createdBy, subjectUserId);
    },

    async create({ token, audit, meta, room }) {
      return transaction(db, async (tx) => {
        if (room && (await liveCredentialsOf(tx, room.userId, token.createdAt)) >= room.cap) {
          return 'too_many' as const;
        }
        const [inserted] = await tx
          .insert(loginTokens)
          .values(token)
          .returning({ id: loginTokens.id });
        if (!inserted) throw new Error('The login token was not written');
        await appendAudit(tx, auditKey, audit(inserted.id), meta);
        return inserted.id;
      });
    },
    async remove({ id, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const deleted = await tx
          .update(loginTokens)
          .set({ deletedAt: now, secretHash: null })
          .where(and(eq(loginTokens.id, id), isNull(loginTokens.deletedAt)))
          .returning({ id: loginTokens.id });
        if (deleted.length !== 1) return 'already_deleted' as const;
        const credential = { kind: 'login_token' as const, id: String(id) };
        await revokeSessionsOpenedBy(tx, credential.kind, credential.id, now);
        await endImpersonationsOfCredential(tx, auditKey, credential, 'revoked', now, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return 'deleted' as const;
      });
    },
    async recordFailure({ tokenId, attempt, audit, now, meta, repeats }) {
      if (tokenId !== null) {
        await db
          .update(loginTokens)
          .set({ failedAttempts: sql`${loginTokens.failedAttempts} + 1`, lastAccessedAt: now })
          .where(eq(loginTokens.id, tokenId));
      }
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
            claimUse(tx, command.id, command.oneTimeUse, command.now),
            command,
            command.meta,
          ),
        ),
      );
    },
    async redeemHandover({ id, oneTimeUse, attempt, audit, start, now, meta }) {
      return transaction(db, async (tx) => {
        if (!(await claimUse(tx, id, oneTimeUse, now))) return 'lost_race' as const;
        await recordAttempt(tx, attempt, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return startHandoverIn(tx, auditKey, start, meta);
      });
    },
  };
}
