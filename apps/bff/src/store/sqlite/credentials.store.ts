import type { CredentialHolder } from '@onbehalf/contracts/login-links';
import { and, desc, eq, sql } from 'drizzle-orm';
import {
  type CredentialsStore,
  HANDOVERS_LOOKED_AT,
  type MergedPage,
} from '../../features/credentials/credentials.store.ts';
import {
  handoverIds,
  linksInUse,
  runningHandoversOf,
  tokensInUse,
  withdrawableLink,
  withdrawableToken,
} from '../credential-uses.ts';
import { newestOf, startingIn } from '../keyset.ts';
import { linksHeldBy, liveLinksOf } from '../link-rows.ts';
import { tokenState, tokensHeldBy } from '../login-token-rows.ts';
import type { LoginTokenRow } from '../rows.ts';
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { loadMaker, revokeSessionsOpenedBy } from './credentials.ts';
import { endImpersonationsOfCredential } from './impersonations.ts';
import { impersonations } from './schema/impersonations.ts';
import { loginTokens, oneClickLinks } from './schema/login-links.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { sessions } from './schema/sessions.ts';

/** What a credential started, where `stillRunningFrom` looks. */
const started = { sessions, impersonations };

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

/** Newest first; links made in the same millisecond by the higher id, as on PostgreSQL. */
const linkOrder = [desc(oneClickLinks.createdAt), desc(oneClickLinks.id)];

/**
 * A page of a person's live links (`one_click_live_idx`): walked newest first from `start`,
 * the expired ones passed over in the index.
 */
function liveLinkPage(
  db: Queryable,
  userId: number,
  now: number,
  { start, limit }: MergedPage<string>,
  heldBy?: CredentialHolder,
) {
  return links(db)
    .where(
      and(
        liveLinksOf(oneClickLinks, userId, now),
        linksHeldBy(oneClickLinks.purpose, heldBy),
        startingIn(oneClickLinks.createdAt, oneClickLinks.id, start),
      ),
    )
    .orderBy(...linkOrder)
    .limit(limit);
}

/** A page of one profile's live tokens (`login_tokens_live_idx`), as `liveLinkPage` reads links. */
function liveTokenPage(
  db: Queryable,
  profileId: number,
  now: number,
  { start, limit }: MergedPage<number>,
  heldBy?: CredentialHolder,
) {
  return tokens(db)
    .where(
      and(
        eq(loginTokens.profileId, profileId),
        tokenState(loginTokens, 'active', now),
        tokensHeldBy(loginTokens.use, heldBy),
        startingIn(loginTokens.createdAt, loginTokens.id, start),
      ),
    )
    .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
    .limit(limit);
}

/** The statements a page of the Account list runs, with their values bound (for plans). */
export const liveCredentialPageSql = (
  db: Queryable,
  of: { userId: number; profileId: number },
  pages: { links: MergedPage<string>; tokens: MergedPage<number> },
) => ({
  links: liveLinkPage(db, of.userId, 0, pages.links).toSQL(),
  tokens: liveTokenPage(db, of.profileId, 0, pages.tokens).toSQL(),
});

export function sqliteCredentials({ db }: SqliteContext): CredentialsStore {
  const makerOf = (
    createdBy: { createdByUserId: number | null; createdByApiKeyId: string | null },
    userId: number,
  ) => loadMaker(db, createdBy, userId).display;

  /**
   * The first `limit` rows of a page read from each of the person's profiles, each in its
   * index's order: one statement over all of them would read and sort every token they hold.
   */
  const fromEachProfile = (
    userId: number,
    pageOf: (profileId: number) => { all(): { token: LoginTokenRow; organizationName: string }[] },
    limit: number,
  ) => {
    const pages = db
      .select({ id: profiles.id })
      .from(profiles)
      .where(eq(profiles.userId, userId))
      .all()
      .map(({ id }) => pageOf(id).all());
    return newestOf(pages, ({ token }) => [token.createdAt, token.id], limit).map((r) => ({
      ...r,
      maker: makerOf(r.token, userId),
    }));
  };

  return {
    async liveLinksFor(userId, now, page, heldBy) {
      return liveLinkPage(db, userId, now, page, heldBy)
        .all()
        .map((r) => ({ ...r, maker: makerOf(r.link, userId) }));
    },
    async liveTokensFor(userId, now, page, heldBy) {
      return fromEachProfile(userId, (id) => liveTokenPage(db, id, now, page, heldBy), page.limit);
    },
    async handoversInUseFor(userId, now) {
      const ids = handoverIds(
        db
          .select({ kind: impersonations.credentialKind, id: impersonations.credentialId })
          .from(impersonations)
          .where(runningHandoversOf(impersonations, userId, now))
          .limit(HANDOVERS_LOOKED_AT)
          .all(),
      );
      const inUseLinks =
        ids.links.length === 0
          ? []
          : links(db)
              .where(linksInUse(oneClickLinks, ids.links, userId, now))
              .orderBy(...linkOrder)
              .all()
              .map((r) => ({ ...r, maker: makerOf(r.link, userId) }));
      const inUseTokens =
        ids.tokens.length === 0
          ? []
          : tokens(db)
              .where(and(tokensInUse(loginTokens, ids.tokens, now), eq(profiles.userId, userId)))
              .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
              .all()
              .map((r) => ({ ...r, maker: makerOf(r.token, userId) }));
      return { running: ids.running, links: inUseLinks, tokens: inUseTokens };
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
      return fromEachProfile(
        userId,
        (id) =>
          tokens(db)
            .where(
              and(
                eq(loginTokens.profileId, id),
                sql`${loginTokens.use} = 'integration'`,
                startingIn(loginTokens.createdAt, loginTokens.id, start),
              ),
            )
            .orderBy(desc(loginTokens.createdAt), desc(loginTokens.id))
            .limit(limit),
        limit,
      );
    },
    async revoke({ userId, credential, audit, now, meta }) {
      return db.transaction((tx) => {
        const revoked =
          credential.kind === 'one_click'
            ? tx
                .update(oneClickLinks)
                .set({ revokedAt: now, revokedReason: 'revoked_by_user' })
                .where(withdrawableLink(started, oneClickLinks, credential.id, userId, now))
                .run().changes === 1
            : /^\d{1,15}$/.test(credential.id) &&
              tx
                .update(loginTokens)
                .set({ deletedAt: now, secretHash: null, revokedReason: 'revoked_by_user' })
                .where(
                  and(
                    withdrawableToken(started, loginTokens, Number(credential.id), now),
                    sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
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
