import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { orders } from '../../db/schema/commerce.ts';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

const numbers = (list: { number: string }[]) => list.map((o) => o.number);

describe('orders and invoices', () => {
  it("show only the active profile's organization", async () => {
    const globex = await t.signInAs('member@acme.test', 'Globex Inc');
    const globexOrders = await t.call('GET', '/api/public/orders', { token: globex.token });
    expect(numbers(globexOrders.json.orders).every((n) => n.startsWith('SO-GLOBEX'))).toBe(true);
    expect(globexOrders.json.orders).toHaveLength(3);

    const acme = await t.signInAs('member@acme.test', 'Acme Corp');
    const acmeInvoices = await t.call('GET', '/api/public/invoices', { token: acme.token });
    expect(numbers(acmeInvoices.json.invoices).every((n) => n.startsWith('INV-ACME'))).toBe(true);
  });

  it('need an active profile', async () => {
    const undecided = await t.signIn('member@acme.test');
    const res = await t.call('GET', '/api/public/orders', { token: undecided.token });
    expect(res.status).toBe(403);
  });

  it('placing an order writes the order and its audit event together', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const res = await t.call('POST', '/api/public/orders', {
      token: buyer.token,
      body: { sku: 'TONER-BK', quantity: 3 },
    });
    expect(res.status).toBe(201);
    expect(res.json.order).toMatchObject({ totalCents: 3 * 8900, placedBy: 'Ben Brooks' });
    const event = t.db.select().from(auditEvents).where(eq(auditEvents.type, 'order.placed')).get();
    expect(event?.details).toMatchObject({ orderId: res.json.order.id });
    expect(event?.sessionId).toBe(buyer.session.id);
  });

  it('an order and its audit event roll back together', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const before = t.db.select().from(orders).all().length;
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
    expect(res.json.error.code).toBe('internal_error');
    expect(res.text).not.toContain('audit unavailable');
    expect(t.db.select().from(orders).all()).toHaveLength(before);
  });
});
