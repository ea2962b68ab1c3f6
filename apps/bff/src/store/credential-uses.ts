import type { CredentialKind } from '@onbehalf/contracts/login-links';
import {
  and,
  type Column,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  not,
  or,
  type SQL,
  sql,
  type Table,
} from 'drizzle-orm';
import { liveLinksOf } from './link-rows.ts';
import { tokenState } from './login-token-rows.ts';

/** The columns of either dialect's tables that say what a credential started. */
interface Started {
  sessions: Table & {
    viaKind: Column;
    viaCredentialId: Column;
    revokedAt: Column;
    expiresAt: Column;
  };
  impersonations: Table & { credentialKind: Column; credentialId: Column; endedAt: Column };
}

/**
 * Whether what a credential started still runs: a live session it opened, or an impersonation
 * it began (for the withdrawal's `WHERE`, on either store). One used up or run out is still
 * withdrawn while they do, which ends them; with nothing left of it, it is "not found", as the
 * Account list does not show it: withdrawing it would record an act that changed nothing (a
 * review). Each through its index (`sessions_opened_by_idx`,
 * `impersonations_running_credential_idx`).
 */
export function stillRunningFrom(
  { sessions, impersonations }: Started,
  kind: CredentialKind,
  id: string,
  now: number,
): SQL {
  const session = and(
    eq(sessions.viaKind, kind),
    eq(sessions.viaCredentialId, id),
    isNull(sessions.revokedAt),
    gt(sessions.expiresAt, now),
  );
  const impersonation = and(
    eq(impersonations.credentialKind, kind),
    eq(impersonations.credentialId, id),
    isNull(impersonations.endedAt),
  );
  return sql`(EXISTS (SELECT 1 FROM ${sessions} WHERE ${session}) OR EXISTS (SELECT 1 FROM ${impersonations} WHERE ${impersonation}))`;
}

/**
 * A link its person may withdraw from Account (`CredentialsStore.revoke`), on either store:
 * theirs, not withdrawn already, and live or still running what it started.
 */
export function withdrawableLink(
  started: Started,
  l: Parameters<typeof liveLinksOf>[0] & { id: Column },
  linkId: string,
  userId: number,
  now: number,
): SQL {
  return and(
    eq(l.id, linkId),
    eq(l.userId, userId),
    isNull(l.revokedAt),
    or(liveLinksOf(l, userId, now), stillRunningFrom(started, 'one_click', linkId, now)),
  ) as SQL;
}

/**
 * A token its person may withdraw, the same way (whose token it is, the adapter asks: through
 * the person's profiles): not deleted, and live or still running what it started.
 */
export function withdrawableToken(
  started: Started,
  t: Parameters<typeof tokenState>[0] & { id: Column; deletedAt: Column },
  tokenId: number,
  now: number,
): SQL {
  return and(
    eq(t.id, tokenId),
    isNull(t.deletedAt),
    or(
      tokenState(t, 'active', now),
      stillRunningFrom(started, 'login_token', String(tokenId), now),
    ),
  ) as SQL;
}

/**
 * The impersonations of `userId` a credential started that still run, on either store
 * (`impersonations_running_handover_idx`): where the Account list finds the handovers in use.
 * One past its end that no request or housekeeping has settled yet runs no more.
 */
export function runningHandoversOf(
  i: { targetUserId: Column; credentialId: Column; endedAt: Column; endsAt: Column },
  userId: number,
  now: number,
): SQL {
  return and(
    eq(i.targetUserId, userId),
    isNotNull(i.credentialId),
    isNull(i.endedAt),
    gt(i.endsAt, now),
  ) as SQL;
}

/** The credentials those impersonations name, each once, and by kind (a token's id is a whole number). */
export function handoverIds(rows: readonly { kind: CredentialKind | null; id: string | null }[]) {
  const byName = new Map<string, { kind: CredentialKind; id: string }>();
  for (const { kind, id } of rows) {
    if (kind !== null && id !== null) byName.set(`${kind}:${id}`, { kind, id });
  }
  const running = [...byName.values()];
  const named = (kind: CredentialKind) => running.filter((r) => r.kind === kind).map((r) => r.id);
  return {
    running,
    links: named('one_click'),
    tokens: named('login_token')
      .map(Number)
      .filter((id) => Number.isSafeInteger(id) && id > 0),
  };
}

/**
 * Of the links among `ids`, those made for `userId` that no longer work (used or run out) and
 * were not withdrawn: in use only through the impersonation they started (on either store).
 */
export function linksInUse(
  l: Parameters<typeof liveLinksOf>[0] & { id: Column },
  ids: string[],
  userId: number,
  now: number,
): SQL {
  return and(
    inArray(l.id, ids),
    eq(l.userId, userId),
    isNull(l.revokedAt),
    not(liveLinksOf(l, userId, now)),
  ) as SQL;
}

/** Of the tokens among `ids`, those that no longer work and were not deleted (whose, the adapter asks). */
export function tokensInUse(
  t: Parameters<typeof tokenState>[0] & { id: Column; deletedAt: Column },
  ids: number[],
  now: number,
): SQL {
  return and(
    inArray(t.id, ids),
    isNull(t.deletedAt),
    not(tokenState(t, 'active', now) as SQL),
  ) as SQL;
}
