import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import {
  type LoginTokensStore,
  TOKEN_SEARCH_IDS,
  type TokenWithParties,
} from '../../features/login-tokens/login-tokens.store.ts';
import { tokenState, tokensInScope } from '../login-token-rows.ts';
import { recordAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { Queryable, Tx } from './client.ts';
import type { SqliteContext } from './context.ts';
import { liveCredentialsOf, loadMaker, revokeSessionsOpenedBy } from './credentials.ts';
import { startHandoverIn } from './impersonation.store.ts';
import { endImpersonationsOfCredential } from './impersonations.ts';
import { recordAttempt } from './login-attempts.ts';
import { openRedeemedSession } from './one-click.store.ts';
import { preparedPerHandle } from './prepared.ts';
import { loginAttempts, loginTokens } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { containsAny, inOrganizations, scannedId, userSortName, usersMatching } from './search.ts';

const creator = alias(users, 'creator');

/**
 * The people a login token may be made for, found by every word typed in their name or email
 * (the full-text index, as Admin › Users finds them; a blank search finds everyone), in name
 * order. Read as Admin › Users is (`scannedId`): in name order through the lower(name), id
 * index, each person tested against the matches, stopping at `limit`. Built apart for the
 * plan tests.
 */
export function subjectsPage(
  db: Queryable,
  query: string,
  organizationIds: readonly number[] | undefined,
  limit: number,
) {
  const term = query.trim();
  return db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(users)
    .innerJoin(profiles, eq(profiles.userId, scannedId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(
      and(
        // The search first: a search few match turns most people away through its bloom filter.
        term ? usersMatching(scannedId, term) : undefined,
        organizationIds ? inOrganizations(organizationIds) : undefined,
        eq(users.kind, 'customer'),
        eq(users.status, 'active'),
        organizationIds ? inArray(profiles.organizationId, [...organizationIds, 0]) : undefined,
      ),
    )
    .orderBy(userSortName, asc(users.id), asc(profiles.id))
    .limit(limit);
}

function withParties(db: Queryable) {
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

const tokenById = preparedPerHandle((db: Queryable) =>
  withParties(db)
    .where(eq(loginTokens.id, sql.placeholder('id')))
    .prepare(),
);

const failure = preparedPerHandle((db: Queryable) =>
  db
    .update(loginTokens)
    .set({
      failedAttempts: sql`${loginTokens.failedAttempts} + 1`,
      lastAccessedAt: sql.placeholder('now') as never,
    })
    .where(eq(loginTokens.id, sql.placeholder('id')))
    .prepare(),
);

/** Still usable at this instant: not deleted, not used up, not expired. */
const usable = and(
  eq(loginTokens.id, sql.placeholder('id')),
  isNull(loginTokens.deletedAt),
  isNull(loginTokens.usedUpAt),
  gt(loginTokens.expiresAt, sql.placeholder('now')),
);

const useOnce = preparedPerHandle((db: Queryable) =>
  db
    .update(loginTokens)
    .set({
      successfulAttempts: sql`${loginTokens.successfulAttempts} + 1`,
      lastAccessedAt: sql.placeholder('now') as never,
      usedUpAt: sql.placeholder('now') as never,
    })
    .where(usable)
    .prepare(),
);

const useAgain = preparedPerHandle((db: Queryable) =>
  db
    .update(loginTokens)
    .set({
      successfulAttempts: sql`${loginTokens.successfulAttempts} + 1`,
      lastAccessedAt: sql.placeholder('now') as never,
    })
    .where(usable)
    .prepare(),
);

/**
 * Counts a success only if the token still works at this instant; a one-time token is used
 * up by the same statement, so of N concurrent redemptions exactly one succeeds.
 */
function claimUse(tx: Tx, id: number, oneTimeUse: boolean, now: number): boolean {
  return (oneTimeUse ? useOnce : useAgain)(tx).run({ id, now }).changes === 1;
}

/**
 * How many token ids one step of a text search reads, newest first, before the event loop
 * answers others: a search is a `LIKE` over each token's person, organization and Extra, and
 * one that matched little read every token in one go: 50-110 ms of blocked loop at 200,000
 * tokens, 15-27 ms a step now (bench/HISTORY.md).
 */
export const TOKEN_SEARCH_STEP = 20_000;

export function sqliteLoginTokens({ db }: SqliteContext): LoginTokensStore {
  return {
    async list({ now, scope, query, state, before, limit }) {
      const page = (range?: SQL) =>
        withParties(db)
          .where(
            and(
              tokensInScope(loginTokens, organizations.id, scope),
              query
                ? containsAny(query, users.name, users.email, organizations.name, loginTokens.extra)
                : undefined,
              state ? tokenState(loginTokens, state, now) : undefined,
              before !== undefined ? lt(loginTokens.id, before) : undefined,
              range,
            ),
          )
          .orderBy(desc(loginTokens.id));
      if (!query) {
        return {
          rows: page()
            .limit(limit + 1)
            .all(),
          resumeBelow: null,
        };
      }
      // A search reads a step of ids at a time, newest first, until the page is full or it has
      // covered TOKEN_SEARCH_IDS ids; then it says where the next page goes on.
      const newest = db.get<{ id: number | null }>(sql`SELECT max(id) AS id FROM login_tokens`);
      const rows: TokenWithParties[] = [];
      let below = Math.min(before ?? Number.MAX_SAFE_INTEGER, (newest?.id ?? 0) + 1);
      const end = Math.max(1, below - TOKEN_SEARCH_IDS);
      while (below > end) {
        const from = Math.max(end, below - TOKEN_SEARCH_STEP);
        const range = and(lt(loginTokens.id, below), gte(loginTokens.id, from));
        rows.push(
          ...page(range)
            .limit(limit + 1 - rows.length)
            .all(),
        );
        below = from;
        if (rows.length > limit) return { rows, resumeBelow: null };
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { rows, resumeBelow: below > 1 ? below : null };
    },
    async find(id, scope = null) {
      if (scope === null) return tokenById(db).get({ id });
      return withParties(db)
        .where(and(eq(loginTokens.id, id), tokensInScope(loginTokens, organizations.id, scope)))
        .get();
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
        .limit(limit + 1)
        .all();
    },
    async subject(profileId) {
      return db
        .select({ profile: profiles, user: users, organization: organizations })
        .from(profiles)
        .innerJoin(users, eq(users.id, profiles.userId))
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(eq(profiles.id, profileId))
        .get();
    },
    async searchSubjects(query, organizationIds, limit) {
      return subjectsPage(db, query, organizationIds, limit).all();
    },
    async makerOf(createdBy, subjectUserId) {
      return loadMaker(db, createdBy, subjectUserId);
    },

    async create({ token, audit, meta, room }) {
      return db.transaction((tx) => {
        if (room && liveCredentialsOf(tx, room.userId, token.createdAt) >= room.cap) {
          return 'too_many' as const;
        }
        const { id } = tx.insert(loginTokens).values(token).returning({ id: loginTokens.id }).get();
        recordAudit(tx, audit(id), meta);
        return id;
      });
    },
    async remove({ id, audit, now, meta }) {
      return db.transaction((tx) => {
        const deleted = tx
          .update(loginTokens)
          .set({ deletedAt: now, secretHash: null })
          .where(and(eq(loginTokens.id, id), isNull(loginTokens.deletedAt)))
          .run();
        if (deleted.changes !== 1) return 'already_deleted' as const;
        const credential = { kind: 'login_token' as const, id: String(id) };
        revokeSessionsOpenedBy(tx, credential.kind, credential.id, now);
        endImpersonationsOfCredential(tx, credential, 'revoked', now, meta);
        recordAudit(tx, audit, meta);
        return 'deleted' as const;
      });
    },
    async recordFailure({ tokenId, attempt, audit, now, meta, repeats }) {
      if (tokenId !== null) db.transaction((tx) => failure(tx).run({ id: tokenId, now }));
      recordRepeatable(db, audit, repeats, meta, (tx) => recordAttempt(tx, attempt, meta));
    },
    async redeem(command) {
      return db.transaction((tx) => {
        if (!claimUse(tx, command.id, command.oneTimeUse, command.now)) return 'lost_race' as const;
        return openRedeemedSession(tx, command, command.meta);
      });
    },
    async redeemHandover({ id, oneTimeUse, attempt, audit, start, now, meta }) {
      return db.transaction((tx) => {
        if (!claimUse(tx, id, oneTimeUse, now)) return 'lost_race' as const;
        recordAttempt(tx, attempt, meta);
        recordAudit(tx, audit, meta);
        return startHandoverIn(tx, start, meta);
      });
    },
  };
}
