import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { composeMail, createMailer, OUTBOX_KEEP_MS } from '../lib/mail.ts';
import { unseal } from '../lib/server-secret.ts';
import * as pg from './postgres/schema.ts';
import { outboxMessages } from './sqlite/schema/outbox.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, operator, repeatCounters, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;

async function insertMessage(ts: TestStore, to: string, subject: string) {
  const values = {
    to,
    from: 'noreply@onbehalf.test',
    subject,
    text: `${subject}: [link removed]`,
    html: '<p>[link removed]</p>',
    kind: 'sign_in_link',
    sealed: null,
    createdAt: T0,
  };
  if (ts.dialect === 'sqlite') return ts.db.insert(outboxMessages).values(values).returning().get();
  const [row] = await ts.db.insert(pg.outboxMessages).values(values).returning();
  if (!row) throw new Error('No message was inserted');
  return row;
}

describe.each(dialects)('outbox on %s', (dialect) => {
  it('pages newest first: each page starts after the message the one before ended on', async () => {
    const ts = await freshStore(dialect);
    const sent = [];
    for (const [to, subject] of [
      ['jane@acme.test', 'one'],
      ['john@acme.test', 'two'],
      ['jane@acme.test', 'three'],
      ['jane@acme.test', 'four'],
      ['john@acme.test', 'five'],
    ] as const) {
      sent.push(await insertMessage(ts, to, subject));
    }

    const first = await ts.store.outbox.page({ to: null, before: null, limit: 2 });
    expect(first.map((m) => m.subject)).toEqual(['five', 'four']);
    // Each as it was kept, but for the sealed whole, which no page carries.
    const { sealed: _whole, ...newest } = sent[4] ?? {};
    expect(first[0]).toEqual(newest);
    const second = await ts.store.outbox.page({ to: null, before: first[1]?.id ?? 0, limit: 2 });
    expect(second.map((m) => m.subject)).toEqual(['three', 'two']);
    const last = await ts.store.outbox.page({ to: null, before: second[1]?.id ?? 0, limit: 2 });
    expect(last.map((m) => m.subject)).toEqual(['one']);

    const hers = await ts.store.outbox.page({ to: 'jane@acme.test', before: null, limit: 10 });
    expect(hers.map((m) => m.subject)).toEqual(['four', 'three', 'one']);
    const older = await ts.store.outbox.page({
      to: 'jane@acme.test',
      before: sent[3]?.id ?? 0,
      limit: 10,
    });
    expect(older.map((m) => m.subject)).toEqual(['three', 'one']);

    // A cursor may carry any safe integer, beyond the id column's range on either side.
    const beyond = await ts.store.outbox.page({ to: null, before: 2 ** 40, limit: 10 });
    expect(beyond.map((m) => m.subject)).toEqual(['five', 'four', 'three', 'two', 'one']);
    expect(await ts.store.outbox.page({ to: null, before: -(2 ** 40), limit: 10 })).toEqual([]);
  });

  it('the mailer keeps a message with its links removed, whole and sealed only in test mode, and forgets it a day later', async () => {
    const ts = await freshStore(dialect);
    const key = randomBytes(32);
    let now = T0;
    const env = loadEnv({ NODE_ENV: 'test', MAIL_FROM: 'Support <support@onbehalf.test>' });
    const mailer = createMailer(env, ts.store.outbox, () => now, key);
    expect(mailer.transport).toBe('outbox');
    const message = (to: string) =>
      composeMail({
        to,
        kind: 'sign_in_link',
        subject: 'Your sign-in link',
        lines: ['Hello'],
        link: { url: 'http://portal.test/one-click/7/secret-part', label: 'Sign in' },
        footer: 'Bye',
      });
    await mailer.send(message('jane@acme.test'));

    const [kept] = await ts.store.outbox.page({ to: null, before: null, limit: 10 });
    expect(kept).toMatchObject({
      to: 'jane@acme.test',
      from: 'Support <support@onbehalf.test>',
      subject: 'Your sign-in link',
      kind: 'sign_in_link',
      createdAt: T0,
    });
    // At rest nothing opens the account, and outside test mode nothing whole is kept at all.
    expect(`${kept?.text}${kept?.html}`).not.toContain('secret-part');
    expect(kept?.text).toContain('[link removed]');
    expect(await rowsOf(ts, 'outboxMessages')).toMatchObject([{ sealed: null }]);

    // In test mode the whole message is sealed for the test mailbox, for whoever holds the key.
    const qaStore = await freshStore(dialect);
    const qa = createMailer({ ...env, testMode: true }, qaStore.store.outbox, () => now, key);
    await qa.send(message('qa@acme.test'));
    const [sealed] = await rowsOf(qaStore, 'outboxMessages');
    // The outbox's page never carries it: only test mode's mailbox opens it.
    const [page] = await qaStore.store.outbox.page({ to: null, before: null, limit: 1 });
    expect(page).not.toHaveProperty('sealed');
    expect(`${sealed?.text}${sealed?.html}`).not.toContain('secret-part');
    const opened = JSON.parse(unseal(key, sealed?.sealed ?? '') ?? '{}');
    expect(opened.text).toContain('http://portal.test/one-click/7/secret-part');
    expect(unseal(randomBytes(32), sealed?.sealed ?? '')).toBeNull();

    // Up to a day it stays; the next message after that takes it away.
    now = T0 + OUTBOX_KEEP_MS;
    await mailer.send(message('omar@acme.test'));
    expect(
      (await ts.store.outbox.page({ to: null, before: null, limit: 10 })).map((m) => m.to),
    ).toEqual(['omar@acme.test', 'jane@acme.test']);
    now += 1;
    await mailer.send(message('lena@acme.test'));
    expect(
      (await ts.store.outbox.page({ to: null, before: null, limit: 10 })).map((m) => m.to),
    ).toEqual(['lena@acme.test', 'omar@acme.test']);
  });

  it('audits the first read of a minute and counts the repeats', async () => {
    const ts = await freshStore(dialect);
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    const read = (at: number) =>
      ts.store.outbox.recordRead({
        audit: {
          type: 'outbox.read',
          at,
          actor: { userId: ops.id, kind: 'operator' },
          details: { to: null },
        },
        meta,
      });
    await read(T0);
    await read(T0 + 1);
    await read(T0 + 2);

    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.ip, e.details])).toEqual([
      ['outbox.read', ops.id, meta.ip, { to: null }],
    ]);
    const [counter] = await rowsOf(ts, 'auditRepeats');
    expect(counter).toMatchObject({ type: 'outbox.read', count: 3, lastAt: T0 + 2 });
  });
});

describe('outbox reads on PostgreSQL from several connections at once', () => {
  it('audit the first read exactly once and count every one', async () => {
    const ts = await freshStore('postgres');
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    await onSeveralProcesses(ts, 4, async (stores) => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]?.outbox.recordRead({
            audit: {
              type: 'outbox.read',
              at: T0 + i,
              actor: { userId: ops.id, kind: 'operator' },
              details: { to: null },
            },
            meta,
          }),
        ),
      );
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['outbox.read']);
    // One counter for the minute, its connections' rows summed.
    const counters = await repeatCounters(ts);
    expect(counters).toHaveLength(1);
    expect(counters[0]).toMatchObject({ count: 12, lastAt: T0 + 11 });
  });
});
