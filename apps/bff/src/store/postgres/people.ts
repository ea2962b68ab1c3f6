import { and, inArray, or, type SQL, sql } from 'drizzle-orm';
import { FEW_MATCHES } from '../../features/team/team.store.ts';
import type { PgQueryable } from './client.ts';
import { isIntegerId } from './integer-id.ts';
import { literalLimit } from './prepared.ts';
import { organizations, profiles, users } from './schema.ts';
import {
  containsAny,
  matchingIds,
  tsQuery,
  typedWords,
  userDocumentMatches,
  userDocumentTested,
} from './search.ts';

/**
 * What narrows a page of people in name order (Admin › Users, login-token subjects) on
 * PostgreSQL, read the team page's way (`team.store.ts`): the full-text index is asked how many
 * people the words find and the organizations how many people they have, each up to
 * FEW_MATCHES + 1. When either is few, the page is read from those few, looked up and sorted;
 * otherwise the name index is walked, each person tested, which finds a page soon when many
 * match. Left to itself PostgreSQL gathered every match first: 0.85 s for a word all of
 * 100,000 people have, 1.1 s with an organization of four, 0.2 s to list a small organization.
 */
export interface PeopleAsked {
  /** What was typed; people are found by its words, or by the name of their organization. */
  text?: string | undefined;
  /** Whether people of organizations whose name holds the text are found too (Admin › Users). */
  byOrganizationName?: boolean;
  /** Only the people of these organizations, and found by these organizations' names only. */
  organizationIds?: readonly number[] | undefined;
}

/** The conditions on `users` for a page, or null when nobody can be found. */
export async function narrowPeople(db: PgQueryable, asked: PeopleAsked): Promise<SQL[] | null> {
  const conditions: SQL[] = [];
  /** The people the page can only be found among, when they are few. */
  let few: number[] | undefined;
  const ids = asked.organizationIds && [...asked.organizationIds.filter(isIntegerId), 0];
  if (ids) {
    conditions.push(memberOfAny(ids));
    const members = await fewMembersOf(db, ids);
    if (members.length === 0) return null;
    if (members.length <= FEW_MATCHES) few = members;
  }
  const text = asked.text?.trim();
  if (text) {
    const words = tsQuery(text);
    const named = asked.byOrganizationName ? await organizationsNamed(db, text, ids) : undefined;
    if (words === null && !named) return null;
    if (!few) {
      const matches = words === null ? [] : await fewUsersMatching(db, words);
      const ofNamed = named ? await fewMembersOf(db, named) : [];
      if (matches.length <= FEW_MATCHES && ofNamed.length <= FEW_MATCHES) {
        few = [...new Set([...matches, ...ofNamed])];
        if (few.length === 0) return null;
      }
    }
    // Among few, looked up; among many, tested on each person the walk in name order passes.
    const wordsTest = few ? userDocumentMatches : userDocumentTested;
    const found = or(
      words === null ? undefined : wordsTest(words),
      named ? memberOfNamed(named) : undefined,
    );
    if (found) conditions.push(found);
  }
  if (few) conditions.push(inArray(users.id, few));
  return conditions;
}

/** The person has a profile in one of these organizations. */
function memberOfAny(organizationIds: readonly number[]): SQL {
  return sql`${users.id} IN (SELECT ${profiles.userId} FROM ${profiles} WHERE ${inArray(profiles.organizationId, [...organizationIds])})`;
}

/**
 * The person has a profile in one of the organizations `named` selects, tested on each person
 * through the (user, organization) index: as an IN, PostgreSQL gathered the organizations'
 * people into a hash first, 70 ms for a company of 100,000 whose name was typed.
 */
function memberOfNamed(named: SQL): SQL {
  return sql`ARRAY(SELECT ${profiles.organizationId} FROM ${profiles} WHERE ${profiles.userId} = ${users.id}) && ARRAY(${named})`;
}

/** Up to FEW_MATCHES + 1 people of these organizations: their ids, or a query of them. */
async function fewMembersOf(db: PgQueryable, organizationIds: readonly number[] | SQL) {
  const rows = await db
    .selectDistinct({ id: profiles.userId })
    .from(profiles)
    .where(
      Array.isArray(organizationIds)
        ? inArray(profiles.organizationId, [...organizationIds])
        : sql`${profiles.organizationId} IN (${organizationIds})`,
    )
    .limit(literalLimit(FEW_MATCHES + 1));
  return rows.map((row) => row.id);
}

/** Up to FEW_MATCHES + 1 people the words of a tsquery find, through the full-text index. */
async function fewUsersMatching(db: PgQueryable, words: string) {
  const rows = await db
    .select({ id: sql<number>`id` })
    .from(sql`${matchingIds('users', typedWords(words), FEW_MATCHES + 1)} AS matching`);
  return rows.map((row) => row.id);
}

/**
 * The organizations whose name holds the text, only among `organizationIds` when given (a
 * caller limited to some learns nothing of the others, not even that one of its people is also
 * in one so named), as a query to select their ids from (a personal organization per customer
 * makes them as many as people: never a list of parameters), or undefined when none does.
 */
async function organizationsNamed(
  db: PgQueryable,
  text: string,
  organizationIds: readonly number[] | undefined,
): Promise<SQL | undefined> {
  const holdsText = and(
    containsAny(text, organizations.name),
    organizationIds ? inArray(organizations.id, [...organizationIds]) : undefined,
  );
  const [any] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(holdsText)
    .limit(1);
  return any ? sql`SELECT ${organizations.id} FROM ${organizations} WHERE ${holdsText}` : undefined;
}
