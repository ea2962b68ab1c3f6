import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { CredentialsStore } from '../../features/credentials/credentials.store.ts';
import { newestOf, startingIn } from '../keyset.ts';
import { liveLinksOf } from '../link-rows.ts';
import { tokenState } from '../login-token-rows.ts';
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { loadMaker, revokeSessionsOpenedBy } from './credentials.ts';
import { endImpersonationsOfCredential } from './impersonations.ts';
import { loginTokens, oneClickLinks } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';

const profilesOf = (userId: number) =>
  sql`(SELECT ${profiles.id} FROM ${profiles} WHERE ${profiles.userId} = ${userId})`;

function links(db: Queryable) {
  return db
    .select({ link: oneClickLinks, organizationName: organizations.name })
    .from(oneClickLinks)
    .leftJoin(profiles, eq(profiles.id, oneClickLinks.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
}

function tokens(db: Queryable) {
  return db
    .select({ token: loginTokens, organizationName: organizations.name })
    .from(loginTokens)
    .innerJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId));
}

/** Newest first; links made in the same millisecond by id, as on PostgreSQL. */
/**
 * The links others made for a person before the ones they asked for themselves ("email me a
 * link", which anyone may ask for in their name): a list cut at its limit loses only the
 * person's own, never one someone else holds.
 */
const madeByOthersFirst = (userId: number) =>
  sql`CASE WHEN ${oneClickLinks.createdByUserId} = ${userId} THEN 1 ELSE 0 END`;

const linkOrder = [desc(oneClickLinks.createdAt), desc(oneClickLinks.id)];

export function sqliteCredentials({ db }: SqliteContext): CredentialsStore {
  const makerOf = (
    createdBy: { createdByUserId: number | null; createdByApiKeyId: string | null },
    userId: number,
  ) => loadMaker(db, createdBy, userId).display;

  return {
    async liveLinksFor(userId, now, limit) {
      return links(db)
        .where(liveLinksOf(oneClickLinks, userId, now))
        .orderBy(madeByOthersFirst(userId), ...linkOrder)
        .limit(limit)
        .all()
        .map((r) => ({ ...r, maker: makerOf(r.link, userId) }));
    },
    async liveTokensFor(userId, now, limit) {
      return tokens(db)
        .where(
          and(
            sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
            tokenState(loginTokens, 'active', now),
          ),
        )
        .orderBy(desc(loginTokens.id))
        .limit(limit)
        .all()
        .map((r) => ({ ...r, maker: makerOf(r.token, userId) }));
    },
    async integrationLinksFor(userId, { start, limit }) {
      return links(db)
        .where(
          and(
            eq(oneClickLinks.userId, userId),
            // Written out, not bound, so that the partial index on integrations' links applies.
            sql`${oneClickLinks.purpose} = 'integration'`,
            startingIn(oneClickLinks.createdAt, oneClickLinks.id, start),
          ),
        )
        .orderBy(...linkOrder)
        .limit(limit)
        .all()
        .map((r) => ({ ...r, maker: makerOf(r.link, userId) }));
    },
    async integrationTokensFor(userId, { start, limit }) {
      // A page from each of the person's profiles, each read in its index's order: one
      // statement over all of them would read and sort every token they hold.
      const pages = db
        .select({ id: profiles.id })
        .from(profiles)
        .where(eq(profiles.userId, userId))
        .all()
        .map(({ id }) =>
          tokens(db)
            .where(
              and(
                eq(loginTokens.profileId, id),
                sql`${loginTokens.use} = 'integration'`,
                startingIn(loginTokens.createdAt, loginTokens.id, start),
              ),
            )
            .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
            .limit(limit)
            .all(),
        );
      return newestOf(pages, ({ token }) => [token.createdAt, token.id], limit).map((r) => ({
        ...r,
        maker: makerOf(r.token, userId),
      }));
    },
    async revoke({ userId, credential, audit, now, meta }) {
      return db.transaction((tx) => {
        const revoked =
          credential.kind === 'one_click'
            ? tx
                .update(oneClickLinks)
                .set({ revokedAt: now, revokedReason: 'revoked_by_user' })
                .where(
                  and(
                    eq(oneClickLinks.id, credential.id),
                    eq(oneClickLinks.userId, userId),
                    isNull(oneClickLinks.usedAt),
                    isNull(oneClickLinks.revokedAt),
                  ),
                )
                .run().changes === 1
            : /^\d{1,15}$/.test(credential.id) &&
              tx
                .update(loginTokens)
                .set({ deletedAt: now, secretHash: null, revokedReason: 'revoked_by_user' })
                .where(
                  and(
                    eq(loginTokens.id, Number(credential.id)),
                    sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
                    isNull(loginTokens.deletedAt),
                  ),
                )
                .run().changes === 1;
        if (!revoked) return 'not_found';
        revokeSessionsOpenedBy(tx, credential.kind, credential.id, now);
        endImpersonationsOfCredential(tx, credential, 'revoked', now, meta);
        recordAudit(tx, audit, meta);
        return 'revoked';
      });
    },
  };
}
