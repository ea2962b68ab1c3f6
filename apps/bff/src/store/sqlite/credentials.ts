import type { CredentialEndReason, CredentialKind } from '@onbehalf/contracts/login-links';
import { and, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
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
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';
import { apiKeys, loginTokens, oneClickLinks } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { type SessionRow, sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { revokeSession } from './sessions.ts';

export {
  type CreatedBy,
  credentialFingerprint,
  type LoadedMaker,
} from '../../lib/credential-facts.ts';

/**
 * The store side of credentials made for someone else (domain/credentials/policy.ts has the
 * rules, lib/credential-facts.ts what is read and decided apart from SQLite): who made one,
 * ending them when the right to them ends, and the per-request check of a session a credential
 * opened for a system.
 */

const makerUser = preparedPerHandle((db: Queryable) =>
  db
    .select({
      name: users.name,
      kind: users.kind,
      status: users.status,
      operatorRole: users.operatorRole,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare(),
);

const keyMaker = alias(users, 'key_maker');
const makerKey = preparedPerHandle((db: Queryable) =>
  db
    .select({
      key: apiKeys,
      keyMaker: { status: keyMaker.status, operatorRole: keyMaker.operatorRole },
    })
    .from(apiKeys)
    .leftJoin(keyMaker, eq(keyMaker.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.id, sql.placeholder('id')))
    .prepare(),
);

/**
 * Who made a credential for `subjectUserId`: an API key, the person themselves ("email me a
 * link"), an operator, or the system (the command line).
 */
export function loadMaker(
  db: Queryable,
  createdBy: CreatedBy,
  subjectUserId: number | null,
): LoadedMaker {
  const ref = makerRef(createdBy);
  switch (ref.kind) {
    case 'api_key':
      return makerOfKey(makerKey(db).get({ id: ref.id }));
    case 'user':
      return makerOfUser(makerUser(db).get({ id: ref.id }), ref.id, subjectUserId);
    case 'system':
      return systemMaker;
  }
}

const profilesOfUser = (userId: number) =>
  sql`(SELECT ${profiles.id} FROM ${profiles} WHERE ${profiles.userId} = ${userId})`;

/**
 * How many live credentials are made for a person: links and tokens not used up, withdrawn or
 * expired. Read in the transaction that would add one, so that a burst of creations cannot
 * pass the cap between its count and its insert.
 */
export function liveCredentialsOf(tx: Queryable, userId: number, now: number): number {
  const links = tx
    .select({ n: count() })
    .from(oneClickLinks)
    .where(liveLinksOf(oneClickLinks, userId, now))
    .get();
  const tokens = tx
    .select({ n: count() })
    .from(loginTokens)
    .where(
      and(
        sql`${loginTokens.profileId} IN ${profilesOfUser(userId)}`,
        tokenState(loginTokens, 'active', now),
      ),
    )
    .get();
  return (links?.n ?? 0) + (tokens?.n ?? 0);
}

/**
 * Ends every live credential made for a user: their password changed, they were disabled. The
 * secret hashes of tokens are wiped, as a deletion does.
 */
export function endCredentialsFor(
  tx: Queryable,
  userId: number,
  reason: CredentialEndReason,
  now: number,
): void {
  tx.update(oneClickLinks)
    .set({ revokedAt: now, revokedReason: reason })
    .where(liveLinksOf(oneClickLinks, userId, now))
    .run();
  tx.update(loginTokens)
    .set({ deletedAt: now, secretHash: null, revokedReason: reason })
    .where(
      and(
        sql`${loginTokens.profileId} IN ${profilesOfUser(userId)}`,
        isNull(loginTokens.deletedAt),
      ),
    )
    .run();
}

/** Ends one credential whose email could not be sent: nobody received it, so nobody may use it. */
export function withdrawUndelivered(
  tx: Queryable,
  credential: { kind: CredentialKind; id: string },
  now: number,
): void {
  if (credential.kind === 'one_click') {
    tx.update(oneClickLinks)
      .set({ revokedAt: now, revokedReason: 'undelivered' })
      .where(and(eq(oneClickLinks.id, credential.id), isNull(oneClickLinks.revokedAt)))
      .run();
  } else {
    tx.update(loginTokens)
      .set({ deletedAt: now, secretHash: null, revokedReason: 'undelivered' })
      .where(and(eq(loginTokens.id, Number(credential.id)), isNull(loginTokens.deletedAt)))
      .run();
  }
}

/**
 * Ends the live credentials of the given kinds a person made: the maker was disabled or lost
 * the right to make them (SPEC §4b). `api_key` revokes the API keys they made and ends
 * everything those keys made.
 */
export function endCredentialsMadeBy(
  tx: Queryable,
  makerUserId: number,
  kinds: readonly MadeKind[],
  reason: CredentialEndReason,
  now: number,
): void {
  const withKeys = kinds.includes('api_key');
  const keys = withKeys
    ? tx
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(eq(apiKeys.createdByUserId, makerUserId))
        .all()
        .map((k) => k.id)
    : [];
  if (withKeys) {
    tx.update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.createdByUserId, makerUserId), isNull(apiKeys.revokedAt)))
      .run();
  }
  const made = <T extends typeof oneClickLinks | typeof loginTokens>(table: T, kind: MadeKind) =>
    or(
      kinds.includes(kind) ? eq(table.createdByUserId, makerUserId) : undefined,
      keys.length > 0 ? inArray(table.createdByApiKeyId, keys) : undefined,
    );
  const linksMade = made(oneClickLinks, 'one_click');
  if (linksMade) {
    tx.update(oneClickLinks)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(linksMade, isNull(oneClickLinks.usedAt), isNull(oneClickLinks.revokedAt)))
      .run();
  }
  const tokensMade = made(loginTokens, 'login_token');
  if (tokensMade) {
    tx.update(loginTokens)
      .set({ deletedAt: now, secretHash: null, revokedReason: reason })
      .where(and(tokensMade, isNull(loginTokens.deletedAt)))
      .run();
  }
}

const linkForSession = preparedPerHandle((db: Queryable) =>
  db
    .select({
      link: oneClickLinks,
      profile: profiles,
      organization: organizations,
      user: { kind: users.kind, status: users.status },
    })
    .from(oneClickLinks)
    .innerJoin(users, eq(users.id, oneClickLinks.userId))
    .leftJoin(profiles, eq(profiles.id, oneClickLinks.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(oneClickLinks.id, sql.placeholder('id')))
    .prepare(),
);

const tokenForSession = preparedPerHandle((db: Queryable) =>
  db
    .select({
      token: loginTokens,
      profile: profiles,
      organization: organizations,
      user: { kind: users.kind, status: users.status },
    })
    .from(loginTokens)
    .innerJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(eq(loginTokens.id, sql.placeholder('id')))
    .prepare(),
);

function factsOf(db: Queryable, session: SessionRow): CredentialFacts | undefined {
  const id = session.viaCredentialId ?? '';
  if (session.viaKind === 'one_click') return factsOfLink(linkForSession(db).get({ id }));
  return factsOfToken(tokenForSession(db).get({ id: Number(id) }));
}

/** Which credential opened a session for a system, and who made it; null for any other. */
export function describeCredentialSession(
  db: Queryable,
  session: SessionRow,
): CredentialContext | null {
  const facts = session.viaKind ? factsOf(db, session) : undefined;
  if (!session.viaKind || !facts) return null;
  return credentialContext(
    session.viaKind,
    session,
    facts,
    loadMaker(db, facts.createdBy, facts.subjectUserId),
  );
}

/**
 * The per-request check of a session a credential opened for a system: it lasts only while
 * the credential stands, the organization still allows integrations, the profile still has no
 * team rights, and the maker still holds the right to have made it. Otherwise the session is
 * revoked there and then, audited, and null is returned.
 */
export function settleCredentialSession(
  db: Queryable,
  session: SessionRow,
  now: number,
  meta: RequestMeta,
): CredentialContext | null {
  const facts = session.viaKind ? factsOf(db, session) : undefined;
  const maker = facts ? loadMaker(db, facts.createdBy, facts.subjectUserId) : undefined;
  const standing = standingCredential(session, facts, maker, now);
  if ('context' in standing) return standing.context;
  db.transaction((tx) => {
    if (!revokeSession(tx, session.id, standing.ended, now)) return;
    const event = credentialSessionRevoked(session, facts, standing.ended, now, meta);
    recordAudit(tx, event.entry, event.meta);
  });
  return null;
}

/**
 * Revokes the sessions a credential opened for a system, when it is withdrawn: the live ones of
 * that credential, found through `sessions_opened_by_idx`, not by reading every session.
 */
export function revokeSessionsOpenedBy(
  tx: Queryable,
  kind: 'one_click' | 'login_token',
  id: string,
  now: number,
): void {
  revokeOpenedBy(tx, kind, id, now).run();
}

function revokeOpenedBy(tx: Queryable, kind: 'one_click' | 'login_token', id: string, now: number) {
  return tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: 'credential_withdrawn' })
    .where(
      and(eq(sessions.viaKind, kind), eq(sessions.viaCredentialId, id), isNull(sessions.revokedAt)),
    );
}

/** The statement's SQL, for a test that asks SQLite how it runs it. */
export const revokeOpenedBySql = (db: Queryable) =>
  revokeOpenedBy(db, 'login_token', '0', 0).toSQL();
