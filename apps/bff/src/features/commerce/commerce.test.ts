import { beforeEach, describe, expect, it } from 'vitest';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

const numbers = (list: { number: string }[]) => list.map((o) => o.number);

describe('orders and invoices', () => {
  it("show only the active profile's organization", async () => {
    const globex = await t.signInAs('member@acme.test', 'Globex Inc');
    const globexOrders = await t.client(globex.token).orders.list();
    expect(numbers(globexOrders.orders).every((n) => n.startsWith('SO-GLOBEX'))).toBe(true);
    expect(globexOrders.orders).toHaveLength(3);

    const acme = await t.signInAs('member@acme.test', 'Acme Corp');
    const acmeInvoices = await t.client(acme.token).invoices.list();
    expect(numbers(acmeInvoices.invoices).every((n) => n.startsWith('INV-ACME'))).toBe(true);
  });

  it('need an active profile', async () => {
    const undecided = await t.signIn('member@acme.test');
    await expect(t.client(undecided.token).orders.list()).rejects.toMatchObject({ status: 403 });
  });

  it('placing an order writes the order and its audit event together', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    // The table lists 201 as this route's only success, and the client holds the server to it.
    const { order } = await t.client(buyer.token).orders.place({ sku: 'TONER-BK', quantity: 3 });
    expect(order).toMatchObject({ totalCents: 3 * 8900, placedBy: 'Ben Brooks' });
    const [event] = await rowsWhere(t.ts, 'auditEvents', { type: 'order.placed' });
    expect(event?.details).toMatchObject({ orderId: order.id });
    expect(event?.sessionId).toBe(buyer.session.id);
  });
});
