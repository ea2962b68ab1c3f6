import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';

/**
 * SQLite keeps the plain-hashed events of before the chain was keyed, and checks them by
 * parsing their details. Someone with the database file but not the key flips an event to
 * plain with details that are not JSON: verification must report it, and every later break,
 * not stop with a 500 (found by a review).
 */
describe('an intruder without the key cannot blind verification', () => {
  it('an event flipped to plain, its details not JSON, is one break among the others', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = (await t.signIn('root@onbehalf.test')).token;
    for (const who of ['owner@acme.test', 'admin@acme.test']) await t.signIn(who);
    const ids = (
      t.sqlite.prepare('SELECT id FROM audit_events ORDER BY id').all() as { id: number }[]
    ).map((r) => r.id);
    const [first] = ids;
    const later = ids.at(-1);
    t.sqlite.exec('DROP TRIGGER IF EXISTS audit_events_no_update');
    t.sqlite.prepare("UPDATE audit_events SET reason = 'rewritten' WHERE id = ?").run(later);
    t.sqlite
      .prepare("UPDATE audit_events SET keyed = 0, details = '{not json' WHERE id = ?")
      .run(first);

    const res = await t.call('GET', '/api/sys/audit-events/verify', { token: root });
    expect(res.status).toBe(200);
    const body = res.json as { intact: boolean; breaks: { id: number | null }[] };
    expect(body.intact).toBe(false);
    expect(body.breaks.map((b) => b.id)).toEqual(expect.arrayContaining([first, later]));
  });
});
