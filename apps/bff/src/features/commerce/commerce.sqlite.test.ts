import { beforeEach, describe, expect, it } from 'vitest';
import { countOf } from '../../store/test-rows.ts';
import { createTestApp, type TestApp } from '../../test/harness.ts';

/** What needs SQLite itself: a trigger that makes the audit insert fail. */

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

describe('orders and invoices', () => {
  it('an order and its audit event roll back together', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const before = await countOf(t.ts, 'orders');
    // Make the audit insert fail inside the order's transaction.
    t.sqlite.exec(
      `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN NEW.type = 'order.placed'
       BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;`,
    );
    const res = await t.call('POST', '/api/public/orders', {
      token: buyer.token,
      body: { sku: 'TONER-BK', quantity: 1 },
    });
    expect(res.status).toBe(500);
    expect(res.error?.code).toBe('internal_error');
    expect(res.text).not.toContain('audit unavailable');
    expect(await countOf(t.ts, 'orders')).toBe(before);
  });
});
