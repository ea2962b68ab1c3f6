import { describe, expect, it } from 'vitest';
import * as pg from './postgres/schema.ts';
import { invoices, orders } from './sqlite/schema/commerce.ts';
import { auditTrail, customerWithProfile, insertRow } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;

async function insertOrder(
  ts: TestStore,
  values: { organizationId: number; number: string; createdAt: number; placedByProfileId?: number },
) {
  const row = {
    title: 'Toner',
    status: 'placed' as const,
    quantity: 1,
    totalCents: 8900,
    currency: 'EUR',
    placedByProfileId: null,
    ...values,
  };
  if (ts.dialect === 'sqlite') ts.db.insert(orders).values(row).run();
  else await ts.db.insert(pg.orders).values(row);
}

async function insertInvoice(
  ts: TestStore,
  values: { organizationId: number; number: string; issuedAt: number },
) {
  const row = { status: 'open' as const, amountCents: 100, currency: 'EUR', dueAt: T0, ...values };
  if (ts.dialect === 'sqlite') ts.db.insert(invoices).values(row).run();
  else await ts.db.insert(pg.invoices).values(row);
}

describe.each(dialects)('commerce on %s', (dialect) => {
  it("lists an organization's orders newest first, the higher id first on a tie, with who placed them", async () => {
    const ts = await freshStore(dialect);
    const { profile, organizationId } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const other = await insertRow(ts, 'organizations', {
      name: 'Globex',
      kind: 'company',
      createdAt: 0,
    });
    await insertOrder(ts, { organizationId, number: 'A', createdAt: T0 });
    await insertOrder(ts, {
      organizationId,
      number: 'B',
      createdAt: T0 + 5,
      placedByProfileId: profile.id,
    });
    await insertOrder(ts, { organizationId, number: 'C', createdAt: T0 + 5 });
    await insertOrder(ts, { organizationId: other.id, number: 'GLOBEX', createdAt: T0 + 9 });
    await insertOrder(ts, { organizationId, number: 'D', createdAt: T0 + 1 });

    // A page of two and one more, to say whether more follow.
    const listed = await ts.store.commerce.orders(organizationId, { limit: 2 });
    expect(listed.map((o) => [o.order.number, o.placedBy])).toEqual([
      ['C', null],
      ['B', 'jane'],
      ['D', null],
    ]);
    expect(listed[1]?.order).toMatchObject({
      organizationId,
      title: 'Toner',
      status: 'placed',
      quantity: 1,
      totalCents: 8900,
      currency: 'EUR',
      placedByProfileId: profile.id,
      createdAt: T0 + 5,
    });
    const all = await ts.store.commerce.orders(organizationId, { limit: 100 });
    expect(all.map((o) => o.order.number)).toEqual(['C', 'B', 'D', 'A']);
  });

  it("lists an organization's invoices newest first, the higher id first on a tie", async () => {
    const ts = await freshStore(dialect);
    const { organizationId } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const other = await insertRow(ts, 'organizations', {
      name: 'Globex',
      kind: 'company',
      createdAt: 0,
    });
    await insertInvoice(ts, { organizationId, number: 'I-1', issuedAt: T0 });
    await insertInvoice(ts, { organizationId, number: 'I-2', issuedAt: T0 + 2 });
    await insertInvoice(ts, { organizationId: other.id, number: 'G-1', issuedAt: T0 + 3 });
    await insertInvoice(ts, { organizationId, number: 'I-3', issuedAt: T0 + 2 });

    const listed = await ts.store.commerce.invoices(organizationId, { limit: 100 });
    expect(listed.map((i) => i.number)).toEqual(['I-3', 'I-2', 'I-1']);
    expect(listed[0]).toMatchObject({
      organizationId,
      status: 'open',
      amountCents: 100,
      currency: 'EUR',
      issuedAt: T0 + 2,
      dueAt: T0,
    });
    // A page and one more, to say whether more follow.
    expect(await ts.store.commerce.invoices(organizationId, { limit: 1 })).toHaveLength(2);
  });

  it('a page of orders or invoices that starts after one of the same millisecond loses and repeats none', async () => {
    const ts = await freshStore(dialect);
    const { organizationId } = await customerWithProfile(ts, { email: 'jane@acme.test' });
    for (const [i, at] of [T0 - 1, T0, T0, T0, T0].entries()) {
      await insertOrder(ts, { organizationId, number: `O-${i}`, createdAt: at });
      await insertInvoice(ts, { organizationId, number: `I-${i}`, issuedAt: at });
    }
    const { commerce } = ts.store;
    const secondOrder = (await commerce.orders(organizationId, { limit: 100 }))[1]?.order.id ?? 0;
    const secondInvoice = (await commerce.invoices(organizationId, { limit: 100 }))[1]?.id ?? 0;
    // After the second of the four made at T0: the other two of them, then the older one.
    const orders = await commerce.orders(organizationId, { after: [T0, secondOrder], limit: 100 });
    const invoices = await commerce.invoices(organizationId, {
      after: [T0, secondInvoice],
      limit: 100,
    });
    expect(orders.map((o) => o.order.number)).toEqual(['O-2', 'O-1', 'O-0']);
    expect(invoices.map((i) => i.number)).toEqual(['I-2', 'I-1', 'I-0']);
  });

  it('places an order numbered from its id, audited in the same command', async () => {
    const ts = await freshStore(dialect);
    const { user, profile, organizationId } = await customerWithProfile(ts, {
      email: 'jane@acme.test',
    });
    const place = (quantity: number) =>
      ts.store.commerce.placeOrder({
        order: {
          organizationId,
          title: 'Toner',
          status: 'placed',
          quantity,
          totalCents: quantity * 8900,
          currency: 'EUR',
          placedByProfileId: profile.id,
        },
        audit: (order) => ({
          type: 'order.placed',
          at: T0,
          actor: { userId: user.id, kind: 'customer' },
          organizationId,
          details: { orderId: order.id, number: order.number, quantity },
        }),
        now: T0,
        meta,
      });
    const first = await place(3);
    const second = await place(1);
    expect(first).toEqual({
      id: first.id,
      organizationId,
      number: `SO-${String(first.id).padStart(6, '0')}`,
      title: 'Toner',
      status: 'placed',
      quantity: 3,
      totalCents: 3 * 8900,
      currency: 'EUR',
      placedByProfileId: profile.id,
      createdAt: T0,
    });
    expect(second.number).toBe(`SO-${String(second.id).padStart(6, '0')}`);
    expect(second.id).toBeGreaterThan(first.id);

    const listed = await ts.store.commerce.orders(organizationId, { limit: 100 });
    expect(listed.map((o) => [o.order.number, o.placedBy])).toEqual([
      [second.number, 'jane'],
      [first.number, 'jane'],
    ]);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.organizationId, e.ip, e.details])).toEqual([
      [
        'order.placed',
        user.id,
        organizationId,
        meta.ip,
        { orderId: first.id, number: first.number, quantity: 3 },
      ],
      [
        'order.placed',
        user.id,
        organizationId,
        meta.ip,
        { orderId: second.id, number: second.number, quantity: 1 },
      ],
    ]);
  });
});
