import { and, eq, isNull } from 'drizzle-orm';
import type { PgQueryable } from './client.ts';
import { sessions } from './schema.ts';

/** Revokes a live session once (compare-and-set on revoked_at); false when it already was. */
export async function revokeSession(
  tx: PgQueryable,
  id: string,
  reason: string,
  now: number,
): Promise<boolean> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length === 1;
}
