import type { CredentialMaker } from '@onbehalf/contracts/login-links';
import { and, desc, eq, sql } from 'drizzle-orm';
import {
  type CredentialsStore,
  HANDOVERS_LOOKED_AT,
} from '../../features/credentials/credentials.store.ts';
import {
  handoverIds,
  linksInUse,
  runningHandoversOf,
  tokensInUse,
  withdrawableLink,
  withdrawableToken,
} from '../credential-uses.ts';
import { newestOf, type StartIn, startingIn } from '../keyset.ts';
import { linksHeldBy, liveLinksOf } from '../link-rows.ts';
import { tokenState, tokensHeldBy } from '../login-token-rows.ts';
import type { LoginTokenRow } from '../rows.ts';
import { appendAudit } from './audit.ts';
import { type PgQueryable, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { loadMaker, revokeSessionsOpenedBy } from './credentials.ts';
import { endImpersonationsOfCredential } from './impersonations.ts';
import { idWithinRange, isIntegerId } from './integer-id.ts';
import {
  impersonations,
  loginTokens,
  oneClickLinks,
  organizations,
  profiles,
  sessions,
} from './schema.ts';

/** What a credential started, where `stillRunningFrom` looks. */
const started = { sessions, impersonations };

const profilesOf = (userId: number) =>
  sql`(SELECT ${profiles.id} FROM ${profiles} WHERE ${profiles.userId} = ${userId})`;

function links(db: PgQueryable) {
  return db
    .select({ link: oneClickLinks, organizationName: organizations.name })
    .from(oneClickLinks)
    .leftJoin(profiles, eq(profiles.id, oneClickLinks.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
}

function tokens(db: PgQueryable) {
  return db
    .select({ token: loginTokens, organizationName: organizations.name })
    .from(loginTokens)
    .innerJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId));
}

/** A link's id in byte order, as SQLite compares it. */
const linkId = sql`${oneClickLinks.id} COLLATE "C"`;

/** Newest first; links made in the same millisecond by id in byte order, as SQLite orders them. */
const linkOrder = [desc(oneClickLinks.createdAt), desc(linkId)];

/** A forged cursor's token id may lie beyond the integer column, which PostgreSQL refuses. */
const withinRange = (start: StartIn<number> | undefined): StartIn<number> | undefined =>
  start && 'afterRow' in start
    ? { afterRow: [start.afterRow[0], idWithinRange(start.afterRow[1])] }
    : start;

/** A login token's id from a credential id: a decimal integer the column can hold, else none. */
function tokenIdOf(id: string): number | undefined {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  const n = Number(id);
  return isIntegerId(n) ? n : undefined;
}

export function postgresCredentials({ db, auditKey }: PostgresContext): CredentialsStore {
  /** Each row with its maker as the person sees them; each distinct maker read once. */
  const withMakers = async <R extends { link: CreatedByRow } | { token: CreatedByRow }>(
    rows: R[],
    userId: number,
  ) => {
    const makers = new Map<string, Promise<CredentialMaker>>();
    const makerOf = (createdBy: CreatedByRow) => {
      const key = `${createdBy.createdByApiKeyId ?? ''}|${createdBy.createdByUserId ?? ''}`;
      let maker = makers.get(key);
      if (!maker) {
        maker = loadMaker(db, createdBy, userId).then((loaded) => loaded.display);
        makers.set(key, maker);
      }
      return maker;
    };
    return Promise.all(
      rows.map(async (r) => ({ ...r, maker: await makerOf('link' in r ? r.link : r.token) })),
    );
  };

  /**
   * The first `limit` rows of a page read from each of the person's profiles, each in its
   * index's order: one statement over all of them would read and sort every token they hold.
   */
  const fromEachProfile = async (
    userId: number,
    pageOf: (
      profileId: number,
    ) => PromiseLike<{ token: LoginTokenRow; organizationName: string }[]>,
    limit: number,
  ) => {
    const own = await db
      .select({ id: profiles.id })
      .from(profiles)
      .where(eq(profiles.userId, userId));
    const pages = await Promise.all(own.map(({ id }) => pageOf(id)));
    const rows = newestOf(pages, ({ token }) => [token.createdAt, token.id], limit);
    return withMakers(rows, userId);
  };

  return {
    async liveLinksFor(userId, now, { start, limit }, heldBy) {
      // Walked newest first along `one_click_live_idx`, the expired ones passed over in it.
      const rows = await links(db)
        .where(
          and(
            liveLinksOf(oneClickLinks, userId, now),
            linksHeldBy(oneClickLinks.purpose, heldBy),
            startingIn(oneClickLinks.createdAt, linkId, start),
          ),
        )
        .orderBy(...linkOrder)
        .limit(limit);
      return withMakers(rows, userId);
    },
    async liveTokensFor(userId, now, { start, limit }, heldBy) {
      return fromEachProfile(
        userId,
        (id) =>
          tokens(db)
            .where(
              and(
                eq(loginTokens.profileId, id),
                tokenState(loginTokens, 'active', now),
                tokensHeldBy(loginTokens.use, heldBy),
                startingIn(loginTokens.createdAt, loginTokens.id, withinRange(start)),
              ),
            )
            .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
            .limit(limit),
        limit,
      );
    },
    async handoversInUseFor(userId, now) {
      const ids = handoverIds(
        await db
          .select({ kind: impersonations.credentialKind, id: impersonations.credentialId })
          .from(impersonations)
          .where(runningHandoversOf(impersonations, userId, now))
          .limit(HANDOVERS_LOOKED_AT),
      );
      const tokenIds = ids.tokens.filter(isIntegerId);
      const [inUseLinks, inUseTokens] = await Promise.all([
        ids.links.length === 0
          ? []
          : links(db)
              .where(linksInUse(oneClickLinks, ids.links, userId, now))
              .orderBy(...linkOrder),
        tokenIds.length === 0
          ? []
          : tokens(db)
              .where(and(tokensInUse(loginTokens, tokenIds, now), eq(profiles.userId, userId)))
              .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id)),
      ]);
      return {
        running: ids.running,
        links: await withMakers(inUseLinks, userId),
        tokens: await withMakers(inUseTokens, userId),
      };
    },
    async integrationLinksFor(userId, { start, limit }) {
      const rows = await links(db)
        .where(
          and(
            eq(oneClickLinks.userId, userId),
            // Written out, not bound, so that the partial index on integrations' links applies.
            sql`${oneClickLinks.purpose} = 'integration'`,
            startingIn(oneClickLinks.createdAt, linkId, start),
          ),
        )
        .orderBy(...linkOrder)
        .limit(limit);
      return withMakers(rows, userId);
    },
    async integrationTokensFor(userId, { start, limit }) {
      return fromEachProfile(
        userId,
        (id) =>
          tokens(db)
            .where(
              and(
                eq(loginTokens.profileId, id),
                sql`${loginTokens.use} = 'integration'`,
                startingIn(loginTokens.createdAt, loginTokens.id, withinRange(start)),
              ),
            )
            .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
            .limit(limit),
        limit,
      );
    },
    async revoke({ userId, credential, audit, now, meta }) {
      return transaction(db, async (tx) => {
        let revoked: unknown[] = [];
        if (credential.kind === 'one_click') {
          revoked = await tx
            .update(oneClickLinks)
            .set({ revokedAt: now, revokedReason: 'revoked_by_user' })
            .where(withdrawableLink(started, oneClickLinks, credential.id, userId, now))
            .returning({ id: oneClickLinks.id });
        } else {
          const tokenId = tokenIdOf(credential.id);
          if (tokenId !== undefined) {
            revoked = await tx
              .update(loginTokens)
              .set({ deletedAt: now, secretHash: null, revokedReason: 'revoked_by_user' })
              .where(
                and(
                  withdrawableToken(started, loginTokens, tokenId, now),
                  sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
                ),
              )
              .returning({ id: loginTokens.id });
          }
        }
        if (revoked.length !== 1) return 'not_found' as const;
        await revokeSessionsOpenedBy(tx, credential.kind, credential.id, now);
        await endImpersonationsOfCredential(tx, auditKey, credential, 'revoked', now, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return 'revoked' as const;
      });
    },
  };
}

interface CreatedByRow {
  createdByUserId: number | null;
  createdByApiKeyId: string | null;
}
