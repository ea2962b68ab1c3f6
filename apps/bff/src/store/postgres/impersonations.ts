import type { EndReason } from '@onbehalf/contracts/impersonation';
import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { ImpersonationRow } from '../rows.ts';
import { appendAudit } from './audit.ts';
import type { PgTx } from './client.ts';
import { impersonations, sessions } from './schema.ts';
import { revokeSession } from './sessions.ts';

/**
 * Ends an impersonation once (compare-and-set on ended_at), revokes its session and audits
 * it, in the caller's transaction: the same command as on SQLite (lib/impersonation-lifecycle.ts).
 */
export async function endImpersonation(
  tx: PgTx,
  key: Buffer,
  row: ImpersonationRow,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<boolean> {
  const ended = await tx
    .update(impersonations)
    .set({ endedAt: now, endReason: reason })
    .where(and(eq(impersonations.id, row.id), isNull(impersonations.endedAt)))
    .returning({ id: impersonations.id });
  if (ended.length !== 1) return false;
  if (row.sessionId) await revokeSession(tx, row.sessionId, `impersonation_${reason}`, now);
  await appendAudit(
    tx,
    key,
    {
      type: 'impersonation.ended',
      at: now,
      actor: { userId: row.actorUserId, kind: row.door === 'operator' ? 'operator' : 'customer' },
      subjectUserId: row.targetUserId,
      organizationId: row.organizationId,
      sessionId: row.sessionId,
      impersonationId: row.id,
      reason: row.reason,
      details: {
        endReason: reason,
        startedAt: row.startedAt,
        durationSeconds: row.startedAt ? Math.round((now - row.startedAt) / 1000) : null,
      },
    },
    meta,
  );
  return true;
}

/** Ends, one by one and each audited, the impersonations that match and have not ended. */
export async function endWhere(
  tx: PgTx,
  key: Buffer,
  match: SQL | undefined,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const running = await tx
    .select()
    .from(impersonations)
    .where(and(match, isNull(impersonations.endedAt)))
    .for('update');
  for (const row of running) await endImpersonation(tx, key, row, reason, now, meta);
}

/**
 * Brings the end of the running impersonations that match forward to `started + limit`, never
 * later than they were: their sessions' expiry and the row's `ends_at`.
 */
export async function shortenImpersonations(
  tx: PgTx,
  match: SQL | undefined,
  limitMinutes: number,
): Promise<void> {
  const limitMs = limitMinutes * 60_000;
  const running = and(match, isNull(impersonations.endedAt), isNotNull(impersonations.startedAt));
  const rows = await tx
    .update(impersonations)
    .set({ endsAt: sql`LEAST(${impersonations.endsAt}, ${impersonations.startedAt} + ${limitMs})` })
    .where(running)
    .returning({ id: impersonations.id, startedAt: impersonations.startedAt });
  if (rows.length === 0) return;
  await tx
    .update(sessions)
    .set({
      expiresAt: sql`LEAST(${sessions.expiresAt}, (SELECT ${impersonations.startedAt} FROM ${impersonations} WHERE ${impersonations.id} = ${sessions.impersonationId}) + ${limitMs})`,
    })
    .where(
      inArray(
        sessions.impersonationId,
        rows.map((r) => r.id),
      ),
    );
}
