import type { CredentialHolder } from '@onbehalf/contracts/login-links';
import { and, type Column, eq, gt, isNull, ne, type SQL } from 'drizzle-orm';

/** The one-click link columns both adapters test, in either dialect's schema. */
type LinkColumns = { userId: Column; usedAt: Column; revokedAt: Column; expiresAt: Column };

/** A person's links that still work: not used, revoked or expired, on either store. */
export function liveLinksOf(l: LinkColumns, userId: number, now: number): SQL {
  return and(
    eq(l.userId, userId),
    isNull(l.usedAt),
    isNull(l.revokedAt),
    gt(l.expiresAt, now),
  ) as SQL;
}

/** Links held by the person (emailed to them) or by others (handed over), on either store. */
export function linksHeldBy(
  purpose: Column,
  holder: CredentialHolder | undefined,
): SQL | undefined {
  if (holder === undefined) return undefined;
  return holder === 'me' ? eq(purpose, 'delivered') : ne(purpose, 'delivered');
}
