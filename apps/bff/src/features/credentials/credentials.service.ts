import type {
  AccessHistoryIntegration,
  IntegrationAccessResponse,
} from '@onbehalf/contracts/impersonation';
import type {
  AccountCredential,
  AccountCredentials,
  CredentialHolder,
  CredentialKind,
  CredentialPurpose,
  LoginTokenUse,
} from '@onbehalf/contracts/login-links';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import {
  credentialRefusalError,
  LIVE_CREDENTIALS_PER_PERSON,
} from '../../domain/credentials/policy.ts';
import { type Principal, principalAuditParty } from '../../http/principal.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { toIso } from '../../lib/clock.ts';
import type { CredentialRoom } from '../../lib/credential-facts.ts';
import { AppError } from '../../lib/errors.ts';
import { cursorNotOurs, decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { LoginTokenRow, OneClickLinkRow } from '../../store/rows.ts';
import { HANDOVERS_LOOKED_AT, type LinkMadeFor, type TokenMadeFor } from './credentials.store.ts';

/**
 * The room one more credential made for a person by someone else needs: fewer than
 * `LIVE_CREDENTIALS_PER_PERSON` live ones, counted by the store in the transaction that writes
 * it, so that a burst of creations cannot pass the cap between a count and its insert.
 */
export function roomFor(userId: number): CredentialRoom {
  return { userId, cap: LIVE_CREDENTIALS_PER_PERSON };
}

/** Why a credential for someone was refused, as the trail names it. */
export type CredentialRefusalRule =
  | keyof typeof credentialRefusalError
  | 'reason_required'
  | 'not_a_customer';

const refusalAnswer = (rule: CredentialRefusalRule): AppError =>
  rule === 'not_a_customer'
    ? new AppError('forbidden', { message: 'Sign-in links are for customer accounts only.' })
    : rule === 'reason_required'
      ? new AppError('reason_required')
      : new AppError(credentialRefusalError[rule]);

/**
 * Refuses to make a way in for someone (SPEC §4b), and says so in the trail as a refused
 * impersonation is (SPEC §8b): `credential.refused` names who asked (a person, an API key, the
 * command line), for whom, which kind and use, and the rule; repeats within a minute are counted,
 * not written one by one. Then the answer is thrown.
 */
export async function refuseCredential(
  deps: AppDeps,
  principal: Principal,
  refusal: {
    rule: CredentialRefusalRule;
    kind: CredentialKind;
    /** The token's `use` or the link's `delivery`. */
    use: string | null;
    subjectUserId: number | null;
    organizationId: number | null;
  },
  meta: RequestMeta,
): Promise<never> {
  const party = principalAuditParty(principal);
  const { rule, kind, use, subjectUserId, organizationId } = refusal;
  await deps.store.impersonation.recordRefusal(
    {
      type: 'credential.refused',
      at: deps.clock.now(),
      actor: party.actor,
      subjectUserId,
      organizationId,
      sessionId: party.sessionId,
      impersonationId: party.impersonationId,
      details: { ...party.details, kind, use, rule },
    },
    // Counted apart per kind: a link and a token refused alike are two attempts to tell.
    `${kind}:${rule}`,
    meta,
  );
  throw refusalAnswer(rule);
}

/** What the store wrote, or `409 too_many_credentials` when it found no room. */
export function writtenWithRoom<T>(written: T | 'too_many'): T {
  if (written === 'too_many') throw new AppError('too_many_credentials');
  return written;
}

const purposeOfUse: Record<LoginTokenUse, CredentialPurpose> = {
  email: 'delivered',
  support: 'support',
  integration: 'integration',
};

const linkNames: Record<CredentialPurpose, string> = {
  delivered: 'Sign-in link sent by email',
  support: 'Sign-in link for support',
  integration: 'Sign-in link for an integration',
};

const tokenName = (token: LoginTokenRow) => token.extra ?? `Login token #${token.id}`;

/**
 * "Sign-in links and tokens made for you" (Account): every live credential anyone made for
 * the signed-in person, whoever made it and however it travels, so they can revoke it, a page
 * at a time in the order of the integrations' list below (`mergedPage`). Those in use (an
 * impersonation of the person they started still runs, which withdrawing ends) say so, and
 * those of them that no longer work (a support token or handover link used) start the first
 * page (SPEC §4b: the person sees and can revoke them).
 */
export async function credentialsMadeFor(
  deps: AppDeps,
  auth: AuthContext,
  page: PageRequest & { heldBy?: CredentialHolder | undefined },
): Promise<AccountCredentials> {
  const cursor = credentialCursor(page.cursor);
  const user = auth.user;
  if (!user) return { credentials: [], nextCursor: null };
  const now = deps.clock.now();
  // Handovers are held by others: none among mine.
  const [links, tokens, inUse] = await Promise.all([
    deps.store.credentials.liveLinksFor(
      user.id,
      now,
      { start: startIn('one_click', cursor, (id) => id), limit: page.limit + 1 },
      page.heldBy,
    ),
    deps.store.credentials.liveTokensFor(
      user.id,
      now,
      { start: startIn('login_token', cursor, Number), limit: page.limit + 1 },
      page.heldBy,
    ),
    page.heldBy === 'me' ? null : deps.store.credentials.handoversInUseFor(user.id, now),
  ]);
  const running = new Set(inUse?.running.map(({ kind, id }) => `${kind}:${id}`));
  const { items, nextCursor } = mergedPage<AccountCredential>(
    links.map((made) => linkLine(made, running.has(`one_click:${made.link.id}`))),
    tokens.map((made) => tokenLine(made, running.has(`login_token:${made.token.id}`))),
    page.limit,
  );
  // Those that no longer work are found nowhere else: all of them first, on the first page.
  const spentInUse =
    inUse && cursor === undefined
      ? mergedPage<AccountCredential>(
          inUse.links.map((made) => linkLine(made, true)),
          inUse.tokens.map((made) => tokenLine(made, true)),
          HANDOVERS_LOOKED_AT,
        ).items
      : [];
  return { credentials: [...spentInUse, ...items], nextCursor };
}

/** A link as its person sees it in Account, with when it was made (for `mergedPage`). */
function linkLine({ link, organizationName, maker }: LinkMadeFor, inUse: boolean) {
  return {
    at: link.createdAt,
    line: {
      kind: 'one_click',
      id: link.id,
      purpose: link.purpose,
      name: linkNames[link.purpose],
      maker,
      organizationName,
      reason: link.reason,
      createdAt: toIso(link.createdAt),
      expiresAt: toIso(link.expiresAt),
      oneTimeUse: true,
      uses: link.usedAt === null ? 0 : 1,
      lastUsedAt: link.usedAt === null ? null : toIso(link.usedAt),
      inUse,
    } satisfies AccountCredential,
  };
}

/** A token as its person sees it in Account, in the same way. */
function tokenLine({ token, organizationName, maker }: TokenMadeFor, inUse: boolean) {
  return {
    at: token.createdAt,
    line: {
      kind: 'login_token',
      id: String(token.id),
      purpose: purposeOfUse[token.use ?? 'integration'],
      name: tokenName(token),
      maker,
      organizationName,
      reason: token.reason,
      createdAt: toIso(token.createdAt),
      expiresAt: toIso(token.expiresAt),
      oneTimeUse: token.oneTimeUse,
      uses: token.successfulAttempts,
      lastUsedAt: token.lastAccessedAt ? toIso(token.lastAccessedAt) : null,
      inUse,
    } satisfies AccountCredential,
  };
}

/**
 * The person revokes a credential made for them: it stops working at once, the sessions it
 * opened for a system end, and so does an impersonation it started. Someone else's credential,
 * or one already dead, is "not found".
 */
export async function revokeCredentialMadeFor(
  deps: AppDeps,
  auth: AuthContext,
  credential: { kind: CredentialKind; id: string },
  meta: RequestMeta,
): Promise<void> {
  const user = auth.user;
  const now = deps.clock.now();
  const outcome =
    user === null
      ? 'not_found'
      : await deps.store.credentials.revoke({
          userId: user.id,
          credential,
          audit: {
            type: 'credential.revoked',
            at: now,
            ...auditParty(auth),
            details: { credential, revokedBy: 'user' },
          },
          now,
          meta,
        });
  if (outcome !== 'revoked') {
    throw new AppError('not_found', { message: 'No such sign-in link or token.' });
  }
}

type State = AccessHistoryIntegration['state'];

function linkState(link: OneClickLinkRow, now: number): State {
  if (link.revokedAt !== null) return 'revoked';
  if (link.usedAt !== null) return 'used';
  return now >= link.expiresAt ? 'expired' : 'active';
}

function tokenState(token: LoginTokenRow, now: number): State {
  if (token.deletedAt !== null) return 'revoked';
  if (token.usedUpAt !== null) return 'used';
  return now >= token.expiresAt ? 'expired' : 'active';
}

/**
 * At one instant, which kind of credential comes first in a list of both (Account, the
 * integrations' history): the list is merged from two tables, and its order must be total for
 * a page to start where the last ended.
 */
const KIND_ORDER: readonly CredentialKind[] = ['one_click', 'login_token'];

/** What a page of a list of credentials is asked with. */
interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

/** Where a page of a list of both kinds starts: the last line of the page before. */
interface CredentialCursor {
  at: number;
  kind: CredentialKind;
  id: string;
}

/** A cursor such a list gave out, or a 400 naming `cursor`. */
function credentialCursor(cursor: string | undefined): CredentialCursor | undefined {
  const key = decodeCursor(cursor, ['number', 'string', 'string'] as const);
  if (!key) return undefined;
  const [at, kind, id] = key;
  if (kind === 'one_click') return { at, kind, id };
  if (kind === 'login_token' && /^\d{1,15}$/.test(id)) return { at, kind, id };
  throw cursorNotOurs();
}

/** Where the list's page starts in the table of one kind of credential. */
function startIn<K extends CredentialKind>(
  kind: K,
  cursor: CredentialCursor | undefined,
  idOf: (id: string) => K extends 'login_token' ? number : string,
) {
  if (!cursor) return undefined;
  if (cursor.kind === kind) return { afterRow: [cursor.at, idOf(cursor.id)] as const };
  // This kind's lines of the cursor's instant are all shown already, or all still to come.
  return {
    olderThan: cursor.at,
    sameInstant: KIND_ORDER.indexOf(kind) > KIND_ORDER.indexOf(cursor.kind),
  };
}

/**
 * A page of a list of both kinds, newest made first (same instant: links first, then by the
 * higher id), from a page and one more of each kind read from where the page starts (`startIn`),
 * each in its store's order: the two merged give the page, and whether there is more.
 */
function mergedPage<L extends { kind: CredentialKind; id: string }>(
  links: readonly { at: number; line: L }[],
  tokens: readonly { at: number; line: L }[],
  limit: number,
) {
  // Each kind comes in its store's order; a stable sort keeps it within an instant.
  const merged = [...links, ...tokens].sort(
    (a, b) => b.at - a.at || KIND_ORDER.indexOf(a.line.kind) - KIND_ORDER.indexOf(b.line.kind),
  );
  const { items, nextCursor } = pageOf(merged, limit, ({ at, line }) => [at, line.kind, line.id]);
  return { items: items.map(({ line }) => line), nextCursor };
}

/**
 * The access history's integrations: one line per link or token handed to a system for me,
 * whatever became of it, a page at a time (`mergedPage`).
 */
export async function integrationAccess(
  deps: AppDeps,
  auth: AuthContext,
  page: PageRequest,
): Promise<IntegrationAccessResponse> {
  const cursor = credentialCursor(page.cursor);
  if (!auth.user) return { integrations: [], nextCursor: null };
  const userId = auth.user.id;
  const now = deps.clock.now();
  const [linkRows, tokenRows] = await Promise.all([
    deps.store.credentials.integrationLinksFor(userId, {
      start: startIn('one_click', cursor, (id) => id),
      limit: page.limit + 1,
    }),
    deps.store.credentials.integrationTokensFor(userId, {
      start: startIn('login_token', cursor, Number),
      limit: page.limit + 1,
    }),
  ]);
  const links = linkRows.map(({ link, organizationName, maker }) => ({
    at: link.createdAt,
    line: {
      kind: 'one_click',
      id: link.id,
      name: linkNames.integration,
      maker,
      organizationName,
      createdAt: toIso(link.createdAt),
      expiresAt: toIso(link.expiresAt),
      uses: link.usedAt === null ? 0 : 1,
      lastUsedAt: link.usedAt === null ? null : toIso(link.usedAt),
      state: linkState(link, now),
    } satisfies AccessHistoryIntegration,
  }));
  const tokens = tokenRows.map(({ token, organizationName, maker }) => ({
    at: token.createdAt,
    line: {
      kind: 'login_token',
      id: String(token.id),
      name: tokenName(token),
      maker,
      organizationName,
      createdAt: toIso(token.createdAt),
      expiresAt: toIso(token.expiresAt),
      uses: token.successfulAttempts,
      lastUsedAt: token.lastAccessedAt ? toIso(token.lastAccessedAt) : null,
      state: tokenState(token, now),
    } satisfies AccessHistoryIntegration,
  }));
  const { items, nextCursor } = mergedPage<AccessHistoryIntegration>(links, tokens, page.limit);
  return { integrations: items, nextCursor };
}
