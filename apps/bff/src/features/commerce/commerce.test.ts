import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../lib/pagination.ts';
import { everyPage, insertRows, rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf, refusal, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

const numbers = (list: { number: string }[]) => list.map((o) => o.number);

/** A list's refusals of a page: over the maximum, and cursors it never gave out. */
async function refusedPages(list: (page: { limit?: number; cursor?: string }) => Promise<unknown>) {
  const tooMany = await refusal(list({ limit: 101 }));
  const forged = await refusal(list({ cursor: 'abc' }));
  // The shape of another list's cursor, and an id beyond any integer column.
  const foreign = await refusal(list({ cursor: encodeCursor(['a', 1]) }));
  const beyond = await outcomeOf(list({ cursor: encodeCursor([0, 2 ** 40]) }));
  return {
    tooMany: tooMany.status,
    forged: [forged.status, forged.code, forged.issues[0]?.path],
    foreign: foreign.status,
    beyond,
  };
}

const refusedAsEveryList = {
  tooMany: 400,
  forged: [400, 'validation_failed', 'cursor'],
  foreign: 400,
  beyond: 'ok',
};

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

  it('orders are read a page at a time, newest first, each exactly once', async () => {
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const made: number[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await buyer.orders.place({ sku: 'PAPER-A4', quantity: i + 1 })).order.id);
      // The older four two to a millisecond: pages of two end inside each pair.
      if (i % 2 === 1) t.clock.advance(1000);
    }
    const pages = await everyPage((cursor) => buyer.orders.list({ limit: 2, cursor }));
    expect(pages.every((p) => p.orders.length <= 2)).toBe(true);
    const seen = pages.flatMap((p) => p.orders.map((o) => o.id));
    expect(seen.slice(0, 5)).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(await refusedPages(buyer.orders.list)).toEqual(refusedAsEveryList);
  });

  it('invoices are read a page at a time, newest first, each exactly once', async () => {
    const organizationId = demoIds(t).organizationId('Acme Corp');
    const issuedAt = t.clock.now();
    // The older four two to a millisecond: pages of two end inside each pair.
    const made = await insertRows(
      t.ts,
      'invoices',
      [0, 0, 1, 1, 2].map((ms, i) => ({
        organizationId,
        number: `INV-PAGED-${i}`,
        status: 'open' as const,
        amountCents: 100,
        currency: 'EUR',
        issuedAt: issuedAt + ms,
        dueAt: issuedAt + ms,
      })),
    );
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const pages = await everyPage((cursor) => buyer.invoices.list({ limit: 2, cursor }));
    expect(pages.every((p) => p.invoices.length <= 2)).toBe(true);
    const seen = pages.flatMap((p) => p.invoices.map((i) => i.id));
    expect(seen.slice(0, 5)).toEqual(made.map((i) => i.id).reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(await refusedPages(buyer.invoices.list)).toEqual(refusedAsEveryList);
  });

  it("never show another organization's orders or invoices on any page", async () => {
    const acme = t.client((await t.signInAs('member@acme.test', 'Acme Corp')).token);
    const globex = t.client((await t.signInAs('member@acme.test', 'Globex Inc')).token);
    const orders = (client: typeof acme) =>
      everyPage((cursor) => client.orders.list({ limit: 1, cursor }));
    const invoices = (client: typeof acme) =>
      everyPage((cursor) => client.invoices.list({ limit: 1, cursor }));
    const acmeOrders = (await orders(acme)).flatMap((p) => numbers(p.orders));
    const acmeInvoices = (await invoices(acme)).flatMap((p) => numbers(p.invoices));
    const globexOrders = (await orders(globex)).flatMap((p) => numbers(p.orders));
    const globexInvoices = (await invoices(globex)).flatMap((p) => numbers(p.invoices));
    expect(acmeOrders.length).toBeGreaterThan(1);
    expect(acmeOrders.every((n) => n.startsWith('SO-ACME'))).toBe(true);
    expect(acmeInvoices.every((n) => n.startsWith('INV-ACME'))).toBe(true);
    expect(globexOrders).toEqual(['SO-GLOBEX-003', 'SO-GLOBEX-002', 'SO-GLOBEX-001']);
    expect(globexInvoices).toEqual(['INV-GLOBEX-003', 'INV-GLOBEX-002', 'INV-GLOBEX-001']);
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
