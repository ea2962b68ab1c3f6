import { beforeEach, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { newSession } from '../../lib/session-row.ts';
import {
  addMembers,
  everyPage,
  insertRows,
  numberedPeople,
  updateRows,
} from '../../store/test-rows.ts';
import { createTestApp, demoIds, refusal, type TestApp } from '../../test/harness.ts';

describe('keyset cursors', () => {
  it('round-trip their key and refuse anything else with a 400 naming the cursor', () => {
    const cursor = encodeCursor(['jane doe', 42]);
    expect(decodeCursor(cursor, ['string', 'number'] as const)).toEqual(['jane doe', 42]);
    for (const bad of ['', 'not base64 json', encodeCursor([42, 'jane']), encodeCursor(['x'])]) {
      expect(() => decodeCursor(bad, ['string', 'number'] as const)).toThrow(
        expect.objectContaining({ code: 'validation_failed' }),
      );
    }
    expect(decodeCursor(undefined, ['number'] as const)).toBeUndefined();
  });

  it('a page of limit + 1 rows keeps limit and names where it ended', () => {
    const rows = [1, 2, 3, 4];
    expect(pageOf(rows, 3, (n) => [n])).toEqual({
      items: [1, 2, 3],
      nextCursor: encodeCursor([3]),
    });
    expect(pageOf(rows, 4, (n) => [n])).toEqual({ items: rows, nextCursor: null });
  });
});

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

/** Adds members to Acme straight into the database: the database keeps names and search. */
async function addAcmeMembers(count: number) {
  await addMembers(t.ts, ids.organizationId('Acme Corp'), numberedPeople(count, 'acme.test'));
}

describe('every list is a bounded, searchable page', () => {
  it('the team pages in name order, 100 at most, and every member appears once', async () => {
    await addAcmeMembers(250);
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const pages = await everyPage((cursor) => owner.team.members({ limit: 100, cursor }));
    expect(pages.map((p) => p.members.length)).toEqual([100, 100, 54]);
    const names = pages.flatMap((p) => p.members.map((m) => m.name.toLowerCase()));
    expect(names).toEqual([...names].sort());
    expect(new Set(pages.flatMap((p) => p.members.map((m) => m.profileId))).size).toBe(254);

    const found = await owner.team.members({ query: 'quarter', limit: 100 });
    expect(found.members).toHaveLength(36);
    const byEmail = await owner.team.members({ query: 'm17@acme' });
    expect(byEmail.members.map((m) => m.email)).toContain('m17@acme.test');

    await expect(owner.team.members({ limit: 101 })).rejects.toMatchObject({ status: 400 });
    const forged = await refusal(owner.team.members({ cursor: 'abc' }));
    expect(forged.status).toBe(400);
    expect(forged.issues[0]?.path).toBe('cursor');
  });

  it('the profile chooser lists my profiles, then pages the coworkers I may sign in as', async () => {
    await addAcmeMembers(120);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const first = await admin.profiles.list({ limit: 50 });
    expect(first.Profiles.filter((p) => p.IsOwn)).toHaveLength(1);
    expect(first.Profiles).toHaveLength(51);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.profiles.list({ limit: 50, cursor: first.nextCursor ?? undefined });
    expect(second.Profiles.some((p) => p.IsOwn)).toBe(false);
    expect(second.Profiles).toHaveLength(50);
    const found = await admin.profiles.list({ query: 'buyer' });
    const coworkers = found.Profiles.filter((p) => !p.IsOwn);
    expect(coworkers.map((p) => p.Email)).toEqual(['buyer@acme.test']);
  });

  it('sessions page newest first', async () => {
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const minted = Array.from({ length: 120 }, () => {
      t.clock.advance(1);
      return newSession({
        userId: ids.userId('buyer@acme.test'),
        profileId: ids.profileId('buyer@acme.test'),
        method: 'password',
        now: t.clock.now(),
        meta: { ip: null, userAgent: null, requestId: null },
      }).session;
    });
    await insertRows(t.ts, 'sessions', minted);
    const pages = await everyPage((cursor) => buyer.auth.sessions({ cursor }));
    expect(pages.map((p) => p.sessions.length)).toEqual([50, 50, 21]);
    const all = pages.flatMap((p) => p.sessions.map((s) => s.id));
    expect(all).toEqual([...all].sort().reverse());
  });

  it('sessions are searched by names, and by device and address where they are my own', async () => {
    const member = await t.signIn('member@acme.test');
    const own = (ip: string, userAgent: string) => {
      t.clock.advance(1);
      return newSession({
        userId: ids.userId('member@acme.test'),
        profileId: ids.profileId('member@acme.test'),
        method: 'password',
        now: t.clock.now(),
        meta: { ip, userAgent, requestId: null },
      }).session;
    };
    const laptop = own('198.51.100.7', 'Firefox on Linux');
    const phone = own('203.0.113.9', 'Mobile 100%_safe, Ärger edition');
    await insertRows(t.ts, 'sessions', [laptop, phone]);
    // The team admin acts as the member, from a device with the same name as the laptop's.
    t.clock.advance(1000);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const handoff = await admin.impersonation.teamHandoff(
      ids.profileId('member@acme.test'),
      'checking an order',
    );
    const acting = (await admin.impersonation.exchange(handoff.token)).session.id;
    await updateRows(
      t.ts,
      'sessions',
      { userAgent: 'Firefox on Linux', ip: '198.51.100.7' },
      { id: acting },
    );

    // Listed, the admin's session names the admin, and not where they sit.
    const listed = (await t.client(member.token).auth.sessions({})).sessions;
    expect(listed.find((s) => s.id === acting)).toMatchObject({
      actingAs: { name: 'Adam Alvarez' },
      ip: null,
      userAgent: null,
    });
    expect(listed.find((s) => s.id === laptop.id)).toMatchObject({
      actingAs: null,
      ip: '198.51.100.7',
      userAgent: 'Firefox on Linux',
    });

    const search = async (query: string) =>
      (await t.client(member.token).auth.sessions({ query })).sessions.map((s) => s.id);
    expect(await search('FIREFOX')).toEqual([laptop.id]);
    expect(await search('198.51.100')).toEqual([laptop.id]);
    expect(await search('alvarez')).toEqual([acting]);
    // The member's own sign-in has no profile chosen yet: no organization to find it by.
    expect(await search('acme corp')).toEqual([acting, phone.id, laptop.id]);
    // `%` and `_` are text, not patterns.
    expect(await search('100%_')).toEqual([phone.id]);
    expect(await search('i%n')).toEqual([]);
    expect(await search('x_f')).toEqual([]);
    expect(await search('  ')).toHaveLength(4);
    // Any case in any script, on both stores (SQLite's own lower() folds ASCII only).
    expect(await search('ärger')).toEqual([phone.id]);
    expect(await search('ÄRGER EDITION')).toEqual([phone.id]);
    const firstOfTwo = await t.client(member.token).auth.sessions({ query: 'acme', limit: 2 });
    expect(firstOfTwo.sessions.map((s) => s.id)).toEqual([acting, phone.id]);
    const rest = await t.client(member.token).auth.sessions({
      query: 'acme',
      cursor: firstOfTwo.nextCursor ?? undefined,
    });
    expect(rest.sessions.map((s) => s.id)).toEqual([laptop.id]);
    expect(rest.nextCursor).toBeNull();
  });

  it('Admin › Users, login tokens and the outbox page too', async () => {
    await addAcmeMembers(130);
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    const users = await everyPage((cursor) => ops.sys.users({ limit: 100, cursor }));
    expect(users.flatMap((p) => p.users)).toHaveLength(138);
    const byOrganization = await ops.sys.users({ query: 'globex' });
    expect(byOrganization.users.map((u) => u.email)).toEqual(['member@acme.test']);

    for (let i = 0; i < 60; i++) {
      await ops.loginTokens.create({
        subject: { type: 'anonymous' },
        expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      });
      await ops.sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    }
    const tokens = await everyPage((cursor) => ops.loginTokens.list({ cursor }));
    expect(tokens.map((p) => p.tokens.length)).toEqual([50, 10]);
    const outbox = await everyPage((cursor) => ops.sys.outbox({ limit: 40, cursor }));
    expect(outbox.map((p) => p.messages.length)).toEqual([40, 20]);
  });

  it("the outbox's search is `query`, a recipient's whole address in any case; `to` its old name", async () => {
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    for (const email of ['buyer@acme.test', 'member@acme.test', 'buyer@acme.test']) {
      await ops.sys.emailOneClickLink({ userId: ids.userId(email) });
    }
    const recipients = (page: { messages: { to: string }[] }) => page.messages.map((m) => m.to);
    const buyers = ['buyer@acme.test', 'buyer@acme.test'];
    expect(recipients(await ops.sys.outbox({ query: 'Buyer@Acme.test' }))).toEqual(buyers);
    expect(recipients(await ops.sys.outbox({ to: 'buyer@acme.test' }))).toEqual(buyers);
    expect(recipients(await ops.sys.outbox({ query: 'buyer@' }))).toEqual([]);
    expect(recipients(await ops.sys.outbox({}))).toHaveLength(3);
    // Two different searches in one request: refused, not one of them dropped.
    await expect(
      ops.sys.outbox({ query: 'buyer@acme.test', to: 'member@acme.test' }),
    ).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
