import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED } from '../lib/audit-verification.ts';
import { recordAudit } from '../store/sqlite/audit.ts';
import { cli, commandDatabase } from './test-commands.ts';

const meta = { ip: null, userAgent: 'test-agent', requestId: null };

/**
 * `pnpm audit:verify` lists every broken event (SPEC §8b), not only the first and latest that
 * the answer over HTTP holds (found by a review: 130 edits printed 100).
 */
describe('pnpm cli audit-verify', () => {
  it('prints every break, however many, then the verdict, and exits 1', async () => {
    const { env, read } = await commandDatabase('sqlite');
    expect(await cli(['migrate'], env)).toMatchObject({ code: 0 });
    const ts = read();
    if (ts.dialect !== 'sqlite') throw new Error('sqlite only');
    const edits = MAX_LISTED + 30;
    ts.db.transaction((tx) => {
      for (let i = 0; i < edits + 5; i++) {
        recordAudit(
          tx,
          { type: 'settings.changed', at: 1_700_000_000_000 + i, reason: `${i}` },
          meta,
        );
      }
    });
    const intact = await cli(['audit-verify'], env);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^Audit trail intact: 135 events verified from the genesis/);

    // An intruder rewrites the reason of all but the last five events.
    ts.db.run(sql`DROP TRIGGER IF EXISTS audit_events_no_update`);
    ts.db.run(sql`UPDATE audit_events SET reason = 'rewritten' WHERE id <= ${edits}`);
    const broken = await cli(['audit-verify'], env);
    expect(broken.code).toBe(1);
    const lines = broken.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual(
      Array.from({ length: edits }, (_, i) => `  event ${i + 1}: edited`),
    );
    expect(lines.at(-1)).toBe(
      `Audit trail BROKEN: ${edits + 5} events checked, ${edits} breaks, listed above.`,
    );
  }, 60_000);
});
