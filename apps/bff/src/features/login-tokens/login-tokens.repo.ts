import type { LoginTokenState } from '@onbehalf/contracts/login-links';
import {
  and,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../../store/sqlite/client.ts';
import { preparedPerHandle } from '../../store/sqlite/prepared.ts';
import { loginAttempts, loginTokens } from '../../store/sqlite/schema/login-links.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';
import { containsAny } from '../../store/sqlite/search.ts';

const creator = alias(users, 'creator');

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

export type TokenWithParties = NonNullable<ReturnType<typeof findToken>>;

const tokenById = preparedPerHandle((db: Queryable) =>
  withParties(db)
    .where(eq(loginTokens.id, sql.placeholder('id')))
    .prepare(),
);

export function findToken(db: Queryable, id: number) {
  return tokenById(db).get({ id });
}

function stateFilter(state: LoginTokenState, now: number): SQL | undefined {
  switch (state) {
    case 'deleted':
      return isNotNull(loginTokens.deletedAt);
    case 'used':
      return and(isNull(loginTokens.deletedAt), isNotNull(loginTokens.usedUpAt));
    case 'expired':
      return and(
        isNull(loginTokens.deletedAt),
        isNull(loginTokens.usedUpAt),
        lte(loginTokens.expiresAt, now),
      );
    case 'active':
      return and(
        isNull(loginTokens.deletedAt),
        isNull(loginTokens.usedUpAt),
        gt(loginTokens.expiresAt, now),
      );
  }
}

/** An API key sees the tokens of its organizations' people and the ones it made; others, all. */
export type TokenScope = { organizationIds: readonly number[]; apiKeyId: string } | null;

function scoped(scope: TokenScope): SQL | undefined {
  if (scope === null) return undefined;
  return or(
    eq(loginTokens.createdByApiKeyId, scope.apiKeyId),
    scope.organizationIds.length > 0
      ? inArray(organizations.id, [...scope.organizationIds])
      : undefined,
  );
}

/** A page of tokens, newest first; `before` is the id the previous page ended on. */
export function listTokens(
  db: Queryable,
  now: number,
  scope: TokenScope,
  page: {
    query?: string | undefined;
    state?: LoginTokenState | undefined;
    before?: number | undefined;
    limit: number;
  },
) {
  const { query, state } = page;
  const matches = query
    ? containsAny(query, users.name, users.email, organizations.name, loginTokens.extra)
    : undefined;
  return withParties(db)
    .where(
      and(
        scoped(scope),
        matches,
        state ? stateFilter(state, now) : undefined,
        page.before !== undefined ? lt(loginTokens.id, page.before) : undefined,
      ),
    )
    .orderBy(desc(loginTokens.id))
    .limit(page.limit + 1)
    .all();
}

export function insertToken(db: Queryable, values: typeof loginTokens.$inferInsert) {
  return db.insert(loginTokens).values(values).returning({ id: loginTokens.id }).get().id;
}

export function setSecretHash(db: Queryable, id: number, secretHash: string) {
  db.update(loginTokens).set({ secretHash }).where(eq(loginTokens.id, id)).run();
}

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

/** Counts a failed attempt on the token, atomically. */
export function countFailure(db: Queryable, id: number, now: number) {
  failure(db).run({ id, now });
}

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
export function claimUse(db: Queryable, id: number, oneTimeUse: boolean, now: number): boolean {
  return (oneTimeUse ? useOnce : useAgain)(db).run({ id, now }).changes === 1;
}

export function markDeleted(db: Queryable, id: number, now: number): boolean {
  return (
    db
      .update(loginTokens)
      .set({ deletedAt: now, secretHash: null })
      .where(and(eq(loginTokens.id, id), isNull(loginTokens.deletedAt)))
      .run().changes === 1
  );
}

export function listAttempts(db: Queryable, tokenId: number) {
  return db
    .select()
    .from(loginAttempts)
    .where(eq(loginAttempts.loginTokenId, tokenId))
    .orderBy(desc(loginAttempts.id))
    .limit(500)
    .all();
}

export function findSubjectProfile(db: Queryable, profileId: number) {
  return db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.id, profileId))
    .get();
}

export function searchSubjects(db: Queryable, query: string, organizationIds?: readonly number[]) {
  return db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(
      and(
        eq(users.kind, 'customer'),
        eq(users.status, 'active'),
        containsAny(query, users.name, users.email),
        organizationIds ? inArray(organizations.id, [...organizationIds, 0]) : undefined,
      ),
    )
    .orderBy(users.name)
    .limit(20)
    .all();
}
