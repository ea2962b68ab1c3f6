import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { appendAudit } from './audit.ts';
import { migratePostgres, openPostgres, type PgDb, transaction } from './client.ts';
import { liveCredentialsOf } from './credentials.ts';
import { endImpersonation } from './impersonations.ts';
import { openClaimedSession } from './one-click.store.ts';
import { createPostgresStore } from './store.ts';
import { startTestCluster, type TestCluster } from './test-cluster.ts';
import { holdRow, lockWaiters } from './test-locks.ts';

/**
 * The chain head is the last lock every command takes (audit.ts): two commands that lock the
 * same session or impersonation rows never wait for each other in a circle, which PostgreSQL
 * breaks only after a second (`deadlock_timeout`), the head held meanwhile by one of them and
 * every audited write of every process waiting behind it. Each case orders two real commands as
 * two requests may: a third connection holds a row the first needs until the second is waiting
 * too, then lets go. Both must succeed: PostgreSQL breaks a deadlock by failing one (40P01).
 */

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster.stop());

const meta: RequestMeta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };
const key = Buffer.alloc(32, 7);
const NOW = 1_700_000_000_000;
const LATER = NOW + 3_600_000;

let databases = 0;
async function freshDatabase() {
  const name = `lock_order_${++databases}`;
  const admin = openPostgres(cluster.url, { max: 1 });
  await admin.pool.query(`CREATE DATABASE ${name}`);
  await admin.pool.end();
  const opened = openPostgres(cluster.urlFor(name), { max: 6 });
  await migratePostgres(opened.pool);
  // An operator (1) with an own session R, and a customer (2).
  await opened.pool.query(
    `INSERT INTO users (email, name, kind, created_at) VALUES ('ops@x.test', 'Ops', 'operator', 0), ('buyer@x.test', 'Buyer', 'customer', 0)`,
  );
  await opened.pool.query(
    `INSERT INTO sessions (id, token_hash, user_id, method, created_at, expires_at, last_seen_at) VALUES ('R', 'hr', 1, 'password', $1, $2, $1)`,
    [NOW, LATER],
  );
  return { ...opened, url: cluster.urlFor(name) };
}

/** `ok`, or the SQLSTATE the command failed with (40P01: a deadlock PostgreSQL broke). */
const outcome = (command: Promise<unknown>) =>
  command.then(
    () => 'ok',
    (error: { code?: string; cause?: { code?: string } }) =>
      error.cause?.code ?? error.code ?? String(error),
  );

const event = (type: AuditEntry['type']): AuditEntry => ({
  type,
  at: NOW,
  actor: { userId: 1, kind: 'operator' },
});

/** A one-click redemption for `userId`, its claim won, replacing a session or none. */
const redemption = (db: PgDb, userId: number, replacing: string | null) =>
  outcome(
    transaction(db, (tx) =>
      openClaimedSession(
        tx,
        key,
        Promise.resolve(true),
        {
          session: { userId, profileId: null, method: 'one_click', now: NOW, meta },
          replacing,
          attempt: {
            kind: 'one_click',
            oneClickLinkId: null,
            userId,
            outcome: 'success',
            at: NOW,
          },
          audit: event('one_click.redeemed'),
          now: NOW,
        },
        meta,
      ),
    ),
  );

describe('the chain head is the last lock a command takes', () => {
  it('a redemption that replaces a session, and the end of that session’s impersonation', async () => {
    const { db, pool, url } = await freshDatabase();
    // R runs impersonation I, whose session is S.
    await pool.query(
      `INSERT INTO sessions (id, token_hash, user_id, method, created_at, expires_at, last_seen_at, impersonation_id) VALUES ('S', 'hs', 2, 'impersonation', $1, $2, $1, 'I')`,
      [NOW, LATER],
    );
    await pool.query(
      `INSERT INTO impersonations (id, door, actor_user_id, actor_session_id, target_user_id, handoff_token_hash, handoff_expires_at, session_id, issued_at, started_at, ends_at, reason) VALUES ('I', 'operator', 1, 'R', 2, 'h', $1, 'S', $1, $1, $2, 'ticket')`,
      [NOW, LATER],
    );
    const [row] = (await db.query.impersonations.findMany()).filter((r) => r.id === 'I');
    if (!row) throw new Error('no impersonation');
    const release = await holdRow(url, `SELECT 1 FROM sessions WHERE id = 'S' FOR UPDATE`);
    // A request of S finds I over: ends I, revokes S, appends (I, S, then the head).
    const ending = outcome(
      transaction(db, (tx) => endImpersonation(tx, key, row, 'expired', NOW, meta)),
    );
    await lockWaiters(pool, 1);
    // The operator redeems a link in the browser whose session R started I, replacing R.
    const redeeming = redemption(db, 1, 'R');
    await lockWaiters(pool, 2);
    await release();
    expect(await Promise.all([ending, redeeming])).toEqual(['ok', 'ok']);
    const { rows } = await pool.query(`SELECT type FROM audit_events ORDER BY id`);
    expect(rows.map((r) => r.type).sort()).toEqual(['impersonation.ended', 'one_click.redeemed']);
    await pool.end();
  });

  it('a redemption for a person, and a credential made for the same person', async () => {
    const { db, pool, url } = await freshDatabase();
    // Someone else holds the head for a moment, as any audited write does.
    const release = await holdRow(url, 'SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
    // The buyer redeems a link: the session it inserts takes the buyer's row (its foreign key).
    const redeeming = redemption(db, 2, null);
    await lockWaiters(pool, 1);
    // Meanwhile a link is made for the buyer: the buyer's row (the cap on live credentials),
    // then the head.
    const making = outcome(
      transaction(db, async (tx) => {
        await liveCredentialsOf(tx, 2, NOW);
        await appendAudit(tx, key, event('one_click.issued'), meta);
      }),
    );
    await lockWaiters(pool, 2);
    await release();
    expect(await Promise.all([redeeming, making])).toEqual(['ok', 'ok']);
    await pool.end();
  });

  it('a handover redemption from a session, and that session’s sign-out', async () => {
    const { db, pool, url } = await freshDatabase();
    const store = createPostgresStore(db, { auditKey: key });
    // R asked for a hand-off it has not used (I0), and holds a handover link L.
    await pool.query(
      `INSERT INTO impersonations (id, door, actor_user_id, actor_session_id, target_user_id, handoff_token_hash, handoff_expires_at, issued_at, reason) VALUES ('I0', 'operator', 1, 'R', 2, 'h0', $2, $1, 'ticket')`,
      [NOW, LATER],
    );
    await pool.query(
      `INSERT INTO one_click_links (id, user_id, secret_hash, created_at, expires_at, credential_fingerprint, delivery, purpose) VALUES ('L', 2, 'sl', $1, $2, 'fp', 'handover', 'support')`,
      [NOW, LATER],
    );
    const release = await holdRow(url, `SELECT 1 FROM impersonations WHERE id = 'I0' FOR UPDATE`);
    // The operator signs out of R: R, the impersonations it asked for, then the head.
    const signOut = outcome(
      store.auth.endSession({
        sessionId: 'R',
        reason: 'signed_out',
        impersonation: null,
        startedEndReason: 'actor_session_ended',
        audit: event('auth.signed_out'),
        now: NOW,
        meta,
      } as Parameters<typeof store.auth.endSession>[0]),
    );
    await lockWaiters(pool, 1);
    // Meanwhile R redeems L: the claim, the redemption's event, then the start ends I0 (R's
    // other hand-off) and opens the impersonation.
    const redeem = outcome(
      store.oneClick.redeemHandover({
        linkId: 'L',
        attempt: { kind: 'one_click', oneClickLinkId: 'L', userId: 2, outcome: 'success', at: NOW },
        audit: event('one_click.redeemed'),
        start: {
          impersonation: {
            id: 'I1',
            door: 'operator',
            actorUserId: 1,
            actorProfileId: null,
            actorSessionId: 'R',
            targetUserId: 2,
            targetProfileId: null,
            organizationId: null,
            reason: 'ticket',
            ticket: null,
            handoffTokenHash: 'h1',
            handoffExpiresAt: LATER,
            handoffUsedAt: NOW,
            issuedAt: NOW,
            startedAt: NOW,
            endsAt: LATER,
            endedAt: null,
            endReason: null,
            credentialKind: 'one_click',
            credentialId: 'L',
          },
          session: {
            userId: 2,
            profileId: null,
            method: 'one_click',
            now: NOW,
            meta,
            impersonationId: 'I1',
            expiresAt: LATER,
          },
          audit: event('impersonation.started'),
        },
        now: NOW,
        meta,
      }),
    );
    await lockWaiters(pool, 2);
    await release();
    expect(await Promise.all([signOut, redeem])).toEqual(['ok', 'ok']);
    await pool.end();
  });
});
