import type { CredentialEndReason, CredentialKind } from '@onbehalf/contracts/login-links';
import { and, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { CredentialContext } from '../../app-env.ts';
import type { MadeKind } from '../../domain/credentials/policy.ts';
import {
  type CreatedBy,
  type CredentialFacts,
  credentialContext,
  credentialSessionRevoked,
  factsOfLink,
  factsOfToken,
  type LoadedMaker,
  makerOfKey,
  makerOfUser,
  makerRef,
  standingCredential,
  systemMaker,
} from '../../lib/credential-facts.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { liveLinksOf } from '../link-rows.ts';
import { tokenState } from '../login-token-rows.ts';
import type { SessionRow } from '../rows.ts';
import { appendAudit } from './audit.ts';
import { type PgDb, type PgQueryable, transaction } from './client.ts';
import { prepared } from './prepared.ts';
import {
  apiKeys,
  loginTokens,
  oneClickLinks,
  organizations,
  profiles,
  sessions,
  users,
} from './schema.ts';
import { revokeSession } from './sessions.ts';

/**
 * The store side of credentials made for someone else on PostgreSQL: the same functions,
 * meaning and answers as on SQLite (store/sqlite/credentials.ts), async. What is read and decided apart
 * from the database is shared (lib/credential-facts.ts). Every ending is a compare-and-set on
 * the credential's own "ended" column, so a credential ended twice at once keeps the first
 * ending's time and reason.
 */

const keyMaker = alias(users, 'key_maker');

/**
 * A login token's id from a credential id, or undefined when it can name no token: SQLite
 * simply finds nothing for such an id, where PostgreSQL would refuse to compare it.
 */
function tokenIdOf(id: string): number | undefined {
  const n = Number(id);
  return Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647 ? n : undefined;
}

/**
 * Who made a credential for `subjectUserId`: an API key, the person themselves ("email me a
 * link"), an operator, or the system (the command line).
 */
const apiKeyMaker = prepared((db) =>
  db
    .select({
      key: apiKeys,
      keyMaker: { status: keyMaker.status, operatorRole: keyMaker.operatorRole },
    })
    .from(apiKeys)
    .leftJoin(keyMaker, eq(keyMaker.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, sql.placeholder('id')))
    .prepare('api_key_maker'),
);

const userMaker = prepared((db) =>
  db
    .select({
      name: users.name,
      kind: users.kind,
      status: users.status,
      operatorRole: users.operatorRole,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('user_maker'),
);

export async function loadMaker(
  db: PgQueryable,
  createdBy: CreatedBy,
  subjectUserId: number | null,
): Promise<LoadedMaker> {
  const ref = makerRef(createdBy);
  switch (ref.kind) {
    case 'api_key': {
      const [found] = await apiKeyMaker(db).execute({ id: ref.id });
      return makerOfKey(found);
    }
    case 'user': {
      const [user] = await userMaker(db).execute({ id: ref.id });
      return makerOfUser(user, ref.id, subjectUserId);
    }
    case 'system':
      return systemMaker;
  }
}

/**
 * How many live credentials are made for a person: links and tokens not used up, withdrawn or
 * expired. Their user row is locked first, so that creations for one person from any process
 * take turns between this count and their insert, and a burst cannot pass the cap.
 */
export async function liveCredentialsOf(
  tx: PgQueryable,
  userId: number,
  now: number,
): Promise<number> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
  const [links] = await tx
    .select({ n: count() })
    .from(oneClickLinks)
    .where(liveLinksOf(oneClickLinks, userId, now));
  const profilesOfUser = tx
    .select({ id: profiles.id })
    .from(profiles)
    .where(eq(profiles.userId, userId));
  const [tokens] = await tx
    .select({ n: count() })
    .from(loginTokens)
    .where(
      and(inArray(loginTokens.profileId, profilesOfUser), tokenState(loginTokens, 'active', now)),
    );
  return (links?.n ?? 0) + (tokens?.n ?? 0);
}

/**
 * Ends every live credential made for a user: their password changed, they were disabled. The
 * secret hashes of tokens are wiped, as a deletion does.
 */
export async function endCredentialsFor(
  tx: PgQueryable,
  userId: number,
  reason: CredentialEndReason,
  now: number,
): Promise<void> {
  await tx
    .update(oneClickLinks)
    .set({ revokedAt: now, revokedReason: reason })
    .where(liveLinksOf(oneClickLinks, userId, now));
  const profilesOfUser = tx
    .select({ id: profiles.id })
    .from(profiles)
    .where(eq(profiles.userId, userId));
  await tx
    .update(loginTokens)
    .set({ deletedAt: now, secretHash: null, revokedReason: reason })
    .where(and(inArray(loginTokens.profileId, profilesOfUser), isNull(loginTokens.deletedAt)));
}

/** Ends one credential whose email could not be sent: nobody received it, so nobody may use it. */
export async function withdrawUndelivered(
  tx: PgQueryable,
  credential: { kind: CredentialKind; id: string },
  now: number,
): Promise<void> {
  if (credential.kind === 'one_click') {
    await tx
      .update(oneClickLinks)
      .set({ revokedAt: now, revokedReason: 'undelivered' })
      .where(and(eq(oneClickLinks.id, credential.id), isNull(oneClickLinks.revokedAt)));
    return;
  }
  const tokenId = tokenIdOf(credential.id);
  if (tokenId === undefined) return;
  await tx
    .update(loginTokens)
    .set({ deletedAt: now, secretHash: null, revokedReason: 'undelivered' })
    .where(and(eq(loginTokens.id, tokenId), isNull(loginTokens.deletedAt)));
}

/**
 * Ends the live credentials of the given kinds a person made: the maker was disabled or lost
 * the right to make them (SPEC §4b). `api_key` revokes the API keys they made and ends
 * everything those keys made. The maker's keys are named by a subquery in each statement, so
 * a key made meanwhile on another process is not missed between reading them and ending what
 * they made.
 */
export async function endCredentialsMadeBy(
  tx: PgQueryable,
  makerUserId: number,
  kinds: readonly MadeKind[],
  reason: CredentialEndReason,
  now: number,
): Promise<void> {
  const withKeys = kinds.includes('api_key');
  if (withKeys) {
    await tx
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.createdByUserId, makerUserId), isNull(apiKeys.revokedAt)));
  }
  const keysOfMaker = tx
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(eq(apiKeys.createdByUserId, makerUserId));
  const made = <T extends typeof oneClickLinks | typeof loginTokens>(table: T, kind: MadeKind) =>
    or(
      kinds.includes(kind) ? eq(table.createdByUserId, makerUserId) : undefined,
      withKeys ? inArray(table.createdByApiKeyId, keysOfMaker) : undefined,
    );
  const linksMade = made(oneClickLinks, 'one_click');
  if (linksMade) {
    await tx
      .update(oneClickLinks)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(linksMade, isNull(oneClickLinks.usedAt), isNull(oneClickLinks.revokedAt)));
  }
  const tokensMade = made(loginTokens, 'login_token');
  if (tokensMade) {
    await tx
      .update(loginTokens)
      .set({ deletedAt: now, secretHash: null, revokedReason: reason })
      .where(and(tokensMade, isNull(loginTokens.deletedAt)));
  }
}

async function factsOf(db: PgQueryable, session: SessionRow): Promise<CredentialFacts | undefined> {
  const id = session.viaCredentialId ?? '';
  const user = { kind: users.kind, status: users.status };
  if (session.viaKind === 'one_click') {
    const [found] = await db
      .select({ link: oneClickLinks, profile: profiles, organization: organizations, user })
      .from(oneClickLinks)
      .innerJoin(users, eq(users.id, oneClickLinks.userId))
      .leftJoin(profiles, eq(profiles.id, oneClickLinks.profileId))
      .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
      .where(eq(oneClickLinks.id, id));
    return factsOfLink(found);
  }
  const tokenId = tokenIdOf(id);
  if (tokenId === undefined) return undefined;
  const [found] = await db
    .select({ token: loginTokens, profile: profiles, organization: organizations, user })
    .from(loginTokens)
    .innerJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(eq(loginTokens.id, tokenId));
  return factsOfToken(found);
}

/** Which credential opened a session for a system, and who made it; null for any other. */
export async function describeCredentialSession(
  db: PgQueryable,
  session: SessionRow,
): Promise<CredentialContext | null> {
  const facts = session.viaKind ? await factsOf(db, session) : undefined;
  if (!session.viaKind || !facts) return null;
  const maker = await loadMaker(db, facts.createdBy, facts.subjectUserId);
  return credentialContext(session.viaKind, session, facts, maker);
}

/**
 * The per-request check of a session a credential opened for a system: it lasts only while
 * the credential stands, the organization still allows integrations, the profile still has no
 * team rights, and the maker still holds the right to have made it. Otherwise the session is
 * revoked there and then (once, whichever process sees it first), audited, and null is
 * returned.
 */
export async function settleCredentialSession(
  db: PgDb,
  key: Buffer,
  session: SessionRow,
  now: number,
  meta: RequestMeta,
): Promise<CredentialContext | null> {
  const facts = session.viaKind ? await factsOf(db, session) : undefined;
  const maker = facts ? await loadMaker(db, facts.createdBy, facts.subjectUserId) : undefined;
  const standing = standingCredential(session, facts, maker, now);
  if ('context' in standing) return standing.context;
  await transaction(db, async (tx) => {
    if (!(await revokeSession(tx, session.id, standing.ended, now))) return;
    const event = credentialSessionRevoked(session, facts, standing.ended, now, meta);
    await appendAudit(tx, key, event.entry, event.meta);
  });
  return null;
}

/** Revokes the sessions a credential opened for a system, when it is withdrawn. */
export async function revokeSessionsOpenedBy(
  tx: PgQueryable,
  kind: 'one_click' | 'login_token',
  id: string,
  now: number,
): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: 'credential_withdrawn' })
    .where(
      and(eq(sessions.viaKind, kind), eq(sessions.viaCredentialId, id), isNull(sessions.revokedAt)),
    );
}
