import {
  type AuditListQuery,
  auditPage,
  type ImpersonationReport,
  impersonationReport,
} from '@onbehalf/contracts/audit';
import { beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { GENESIS_HASH } from '../../lib/audit-event.ts';
import { appendEvents, auditTrail, countOf, rowsOf } from '../../store/test-rows.ts';
import {
  createTestApp,
  demoIds,
  ORIGIN,
  type TestApp,
  teamImpersonationWithOrder,
} from '../../test/harness.ts';
import {
  csvCell,
  EXPORTS_AT_ONCE,
  exportAuditEvents,
  takeExportTurn,
  verifyAuditTrail,
} from './audit.service.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let root: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  root = (await t.signIn('root@onbehalf.test')).token;
});

const meta = { ip: '203.0.113.9', userAgent: 'test', requestId: null };

/** An impersonation by the team admin of Jane Doe, with an order placed during it. */
const impersonationWithOrder = (reason?: string) => teamImpersonationWithOrder(t, reason);

const list = (query: AuditListQuery = {}, token = root) => t.client(token).audit.list(query);

const verify = () => verifyAuditTrail(t.deps);

describe('audit trail', () => {
  it('starts from a known genesis', async () => {
    const [first] = await auditTrail(t.ts);
    // The seed writes nothing; the first event is the root sign-in of beforeEach.
    expect(first?.prevHash).toBe(GENESIS_HASH);
  });
});

describe('audit list', () => {
  it('filters by type, actor, subject, organization, impersonation, time and free text', async () => {
    const impersonationId = await impersonationWithOrder('printer jam');
    const admin = ids.userId('admin@acme.test');
    const jane = ids.userId('member@acme.test');
    const types = (page: { events: { type: string }[] }) => page.events.map((e) => e.type);

    expect(types(await list({ type: 'order.placed' }))).toEqual(['order.placed']);
    expect(types(await list({ type: ['impersonation.started', 'impersonation.ended'] }))).toEqual([
      'impersonation.ended',
      'impersonation.started',
    ]);
    const byActor = await list({ actorUserId: admin });
    expect(byActor.events.every((e) => e.actor?.id === admin)).toBe(true);
    const bySubject = await list({ subjectUserId: jane, type: 'order.placed' });
    expect(bySubject.events[0]).toMatchObject({
      actor: { name: 'Adam Alvarez' },
      subject: { name: 'Jane Doe' },
      impersonationId,
    });
    const byOrg = await list({ organizationId: 2 });
    expect(byOrg.events).toEqual([]);
    expect(types(await list({ impersonationId }))).toEqual([
      'impersonation.ended',
      'order.placed',
      'impersonation.started',
      'impersonation.token_issued',
    ]);
    expect(types(await list({ query: 'printer jam' })).length).toBeGreaterThan(0);
    // Only the record of this very search holds its words: each search is on the record in full.
    const nothing = await list({ query: 'no-such-words' });
    expect(nothing.events.map((e) => [e.type, e.details])).toEqual([
      ['audit.read', { scope: 'sys', filters: { query: 'no-such-words' } }],
    ]);
    // `q`, the search's old name, is still the same search, and is recorded as `query`.
    const byOldName = await list({ q: 'still-no-such-words' });
    expect(byOldName.events.map((e) => [e.type, e.details])).toEqual([
      ['audit.read', { scope: 'sys', filters: { query: 'still-no-such-words' } }],
    ]);
    expect(types(await list({ q: 'printer jam', query: 'printer jam' })).length).toBeGreaterThan(0);
    const now = new Date(t.clock.now());
    const inWindow = await list({
      from: new Date(+now - 1000).toISOString(),
      to: new Date(+now + 1000).toISOString(),
    });
    expect(inWindow.events.length).toBeGreaterThan(0);
    const future = await list({ from: new Date(+now + 60_000).toISOString() });
    expect(future.events).toEqual([]);
  });

  it('builds each event exactly as the contract describes it, column by column', async () => {
    await impersonationWithOrder('a reason, with "quotes", and a newline\nhere');
    // A time whose milliseconds binary floating point cannot hold exactly, and an event with
    // no parties, organization or details.
    t.clock.advance(123);
    await appendEvents(t.ts, [{ type: 'settings.changed', at: t.clock.now() }], meta);
    // Parsed, so an answer with more than the contract describes would not match the rows.
    const events = auditPage.parse(await list({ limit: 100 })).events;
    const rows = (await rowsOf(t.ts, 'auditEvents')).reverse();
    const people = await rowsOf(t.ts, 'users');
    const companies = await rowsOf(t.ts, 'organizations');
    expect(events).toHaveLength(rows.length);
    const user = (id: number | null) => {
      if (id === null) return null;
      const u = people.find((p) => p.id === id);
      return u ? { id: u.id, name: u.name, email: u.email, operatorRole: u.operatorRole } : null;
    };
    const organization = (id: number | null) => {
      if (id === null) return null;
      const o = companies.find((c) => c.id === id);
      return o ? { id: o.id, name: o.name } : null;
    };
    expect(events).toEqual(
      rows.map((row) => ({
        id: row.id,
        at: new Date(row.at).toISOString(),
        type: row.type,
        actor: user(row.actorUserId),
        actorKind: row.actorKind,
        subject: user(row.subjectUserId),
        organization: organization(row.organizationId),
        sessionId: row.sessionId,
        impersonationId: row.impersonationId,
        ip: row.ip,
        userAgent: row.userAgent,
        requestId: row.requestId,
        reason: row.reason,
        details: row.details,
      })),
    );
    expect(events.some((e) => e.details && e.actor && e.subject && e.organization)).toBe(true);
    // The list itself was read and recorded first: the event before it is the bare one.
    expect(events[0]?.type).toBe('audit.read');
    expect(events[1]).toMatchObject({ type: 'settings.changed', actor: null, details: null });
  });

  it('pages newest first with a cursor, stable while new events arrive', async () => {
    for (let i = 0; i < 3; i++) await impersonationWithOrder();
    const first = await list({ limit: 5 });
    expect(first.events).toHaveLength(5);
    expect(first.nextCursor).not.toBeNull();
    // New events between the two page loads must not shift the second page.
    await impersonationWithOrder();
    const second = await list({ limit: 5, cursor: first.nextCursor ?? undefined });
    const seen = [...first.events, ...second.events].map((e) => e.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(second.events[0]?.id).toBe(Number(first.events[4]?.id) - 1);
  });

  it('is for audit:read only; a team admin sees only their organization', async () => {
    await impersonationWithOrder();
    const owner = await t.signIn('owner@acme.test');
    await expect(list({}, owner.token)).rejects.toMatchObject({ status: 403 });
    const admin = await t.signIn('admin@acme.test');
    const team = await t.client(admin.token).audit.teamList({ organizationId: 2 });
    expect(team.events.length).toBeGreaterThan(0);
    expect(team.events.every((e) => e.organization?.id === 1)).toBe(true);
    const buyer = await t.signIn('buyer@acme.test');
    await expect(t.client(buyer.token).audit.teamList()).rejects.toMatchObject({ status: 403 });
  });

  it("a team admin's search finds support's events by their words, never by support's address", async () => {
    const support = ids.userId('support@onbehalf.test');
    await appendEvents(
      t.ts,
      [
        {
          type: 'order.placed',
          at: t.clock.now(),
          actor: { userId: support, kind: 'operator' },
          organizationId: ids.organizationId('Acme Corp'),
          reason: 'Checked the walrus backlog',
        },
      ],
      { ...meta, ip: '198.51.100.23' },
    );
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    // Support's events found (the admin's own reads of the trail are on it too, with what they typed).
    const teamSearch = async (q: string) =>
      (await admin.audit.teamList({ query: q })).events.filter((e) => e.actor?.id === support);

    const byWords = await teamSearch('walrus backlog');
    expect(byWords.map((e) => [e.reason, e.ip])).toEqual([['Checked the walrus backlog', null]]);
    // Its address, whole or in part, is no more found than it is shown.
    for (const guess of ['198.51.100.23', '198.51.100', 'walrus 23']) {
      expect(await teamSearch(guess), guess).toEqual([]);
    }
    // Staff still find it by the address, and see it.
    const byStaff = (await list({ query: '198.51.100' })).events.filter(
      (e) => e.actor?.id === support,
    );
    expect(byStaff.map((e) => e.ip)).toEqual(['198.51.100.23']);
  });

  it("cannot be read on someone else's behalf", async () => {
    const support = t.client((await t.signIn('support@onbehalf.test')).token);
    const issued = await support.impersonation.operatorHandoff({
      userId: ids.userId('admin@acme.test'),
      reason: 'checking',
    });
    const imp = await support.impersonation.exchange(issued.token);
    await expect(t.client(imp.token).audit.teamList()).rejects.toMatchObject({
      status: 403,
      code: 'impersonation_restricted',
    });
  });

  it("an impersonation's page shows its start, end, reason and every action, in order", async () => {
    const id = await impersonationWithOrder('wrong delivery address');
    const report = await t.client(root).audit.impersonation(id);
    expect(report.impersonation).toMatchObject({
      reason: 'wrong delivery address',
      actor: { name: 'Adam Alvarez' },
      target: { name: 'Jane Doe' },
      endReason: 'left',
    });
    expect(report.events.map((e) => e.type)).toEqual([
      'impersonation.token_issued',
      'impersonation.started',
      'order.placed',
      'impersonation.ended',
    ]);
    const globexOwnerView = await t.signInAs('member@acme.test', 'Globex Inc');
    await expect(t.client(globexOwnerView.token).audit.teamImpersonation(id)).rejects.toMatchObject(
      { status: 403 },
    );
  });
});

describe('impersonation report pages', () => {
  const ACTIONS = 230;

  /**
   * Support acting as Acme's admin, still running, with `ACTIONS` actions recorded under it
   * after its hand-off and start: more than any one page holds.
   */
  async function longOperatorImpersonation() {
    const support = t.client((await t.signIn('support@onbehalf.test')).token);
    const issued = await support.impersonation.operatorHandoff({
      userId: ids.userId('admin@acme.test'),
      reason: 'a long look around',
    });
    const imp = await support.impersonation.exchange(issued.token);
    const impersonationId = imp.session.actor?.impersonationId;
    if (!impersonationId) throw new Error('the exchange started no impersonation');
    const actions = Array.from({ length: ACTIONS }, (_, n) => ({
      type: 'order.placed' as const,
      at: t.clock.now(),
      actor: { userId: ids.userId('support@onbehalf.test'), kind: 'operator' as const },
      subjectUserId: ids.userId('admin@acme.test'),
      organizationId: ids.organizationId('Acme Corp'),
      impersonationId,
      details: { n },
    }));
    await appendEvents(t.ts, actions, meta);
    return impersonationId;
  }

  /** Every page, from the first (the newest actions) through each `nextCursor` to the last. */
  async function walk(read: (cursor: string | undefined) => Promise<ImpersonationReport>) {
    const pages: ImpersonationReport[] = [];
    let cursor: string | undefined;
    do {
      // Parsed, so a page shaped other than the contract says would fail here.
      const page = impersonationReport.parse(await read(cursor));
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && pages.length <= ACTIONS);
    return pages;
  }

  /** What a timeline shows once every earlier page is prepended: oldest first. */
  const timeline = (pages: ImpersonationReport[]) => pages.toReversed().flatMap((p) => p.events);

  /** The hand-off, the start, then every action in the order it was taken. */
  const everyAction = [
    'impersonation.token_issued',
    'impersonation.started',
    ...Array.from({ length: ACTIONS }, (_, n) => `order.placed#${n}`),
  ];
  const named = (e: ImpersonationReport['events'][number]) =>
    e.type === 'order.placed' ? `${e.type}#${String(e.details?.n)}` : e.type;

  it('an operator walking the cursor sees every action exactly once, in order, the newest page first', async () => {
    const id = await longOperatorImpersonation();
    const sys = t.client(root).audit;

    const pages = await walk((cursor) => sys.impersonation(id, cursor ? { cursor } : {}));
    // 232 events: pages of the default 100, newest first, each oldest first within.
    expect(pages.map((p) => p.events.length)).toEqual([100, 100, 32]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(pages[0]?.events.at(-1)?.details).toEqual({ n: ACTIONS - 1 });
    for (const page of pages) {
      const pageIds = page.events.map((e) => e.id);
      expect(pageIds).toEqual(pageIds.toSorted((a, b) => a - b));
      expect(page.impersonation).toEqual(pages[0]?.impersonation);
    }
    const all = timeline(pages);
    expect(all.map(named)).toEqual(everyAction);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    // Staff see staff's address.
    expect(pages[0]?.impersonation.actor.email).toBe('support@onbehalf.test');

    // A smaller page walks to the same actions.
    const small = await walk((cursor) => sys.impersonation(id, { limit: 30, cursor }));
    expect(small).toHaveLength(Math.ceil(everyAction.length / 30));
    expect(timeline(small).map(named)).toEqual(everyAction);
  });

  it("a team admin walking the cursor sees every action exactly once, in order, and never support's address", async () => {
    const id = await longOperatorImpersonation();
    const admin = t.client((await t.signIn('admin@acme.test')).token).audit;

    const pages = await walk((cursor) => admin.teamImpersonation(id, { cursor, limit: 100 }));
    expect(pages.map((p) => p.events.length)).toEqual([100, 100, 32]);
    expect(timeline(pages).map(named)).toEqual(everyAction);
    for (const page of pages) {
      expect(page.impersonation.actor).toMatchObject({ name: 'Sasha Patel', email: null });
      const byStaff = page.events.filter((e) => e.actorKind === 'operator');
      expect(byStaff.length).toBeGreaterThan(0);
      expect(byStaff.every((e) => e.actor?.email === null)).toBe(true);
    }
  });

  it('a bad cursor or limit is a 400 validation_failed on both doors, never a 500', async () => {
    const id = await longOperatorImpersonation();
    const sys = t.client(root).audit;
    const admin = t.client((await t.signIn('admin@acme.test')).token).audit;
    const bad = [{ cursor: 'abc' }, { cursor: '-1' }, { limit: 0 }, { limit: 101 }];
    for (const query of bad) {
      for (const read of [sys.impersonation, admin.teamImpersonation]) {
        await expect(read(id, query), JSON.stringify(query)).rejects.toMatchObject({
          status: 400,
          code: 'validation_failed',
        });
      }
    }
    // A cursor past the first event is no error: there is simply nothing earlier.
    const empty = await sys.impersonation(id, { cursor: '1' });
    expect(empty).toMatchObject({ events: [], nextCursor: null });
  });
});

describe('the search, named `query` (SPEC §8b), once `q`', () => {
  it('two different searches in one request are a 400 on every door, and nothing is read', async () => {
    await impersonationWithOrder('printer jam');
    const admin = (await t.signIn('admin@acme.test')).token;
    const reads = () =>
      t.ts.store.audit.page({
        filters: { type: ['audit.read', 'audit.exported'] },
        before: null,
        limit: 50,
        audience: 'staff',
      });
    const before = (await reads()).events.length;
    const asks = [
      () => list({ query: 'printer', q: 'jam' }),
      () => t.client(admin).audit.teamList({ query: 'printer', q: 'jam' }),
    ];
    for (const ask of asks) {
      await expect(ask()).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    }
    for (const [scope, token] of [
      ['sys', root],
      ['team', admin],
    ] as const) {
      const url = t.client(token).audit.exportUrl('ndjson', { query: 'printer', q: 'jam' }, scope);
      const res = await t.app.request(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, scope).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect((await reads()).events).toHaveLength(before);
  });

  it('every door searches by `query`, and by `q` as before: the list and the export, staff and team', async () => {
    await impersonationWithOrder('printer jam');
    const admin = (await t.signIn('admin@acme.test')).token;
    const type = 'impersonation.started' as const;
    const exported = async (scope: 'sys' | 'team', search: { query?: string; q?: string }) => {
      const token = scope === 'sys' ? root : admin;
      const url = t.client(token).audit.exportUrl('ndjson', { ...search, type }, scope);
      const res = await t.app.request(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const lines = (await res.text()).split('\n').filter(Boolean);
      return lines.map((line) => JSON.parse(line).type);
    };
    const listed = async (scope: 'sys' | 'team', search: { query?: string; q?: string }) => {
      const audit = t.client(scope === 'sys' ? root : admin).audit;
      const page = await (scope === 'sys' ? audit.list : audit.teamList)({ ...search, type });
      return page.events.map((e) => e.type);
    };
    for (const scope of ['sys', 'team'] as const) {
      for (const read of [exported, listed]) {
        const asked = `${scope} ${read === exported ? 'export' : 'list'}`;
        expect(await read(scope, { query: 'printer jam' }), asked).toEqual([type]);
        expect(await read(scope, { q: 'printer jam' }), asked).toEqual([type]);
        expect(await read(scope, { query: 'no-such-words' }), asked).toEqual([]);
        expect(await read(scope, { q: 'no-such-words' }), asked).toEqual([]);
        // The search ignores case: the same words in two cases are one search, not two.
        expect(await read(scope, { query: 'Printer Jam', q: 'printer jam' }), asked).toEqual([
          type,
        ]);
      }
    }
  });

  it('an empty search is none, as on every other list: every door answers as if none was sent', async () => {
    await impersonationWithOrder('printer jam');
    const admin = (await t.signIn('admin@acme.test')).token;
    const type = 'impersonation.started';
    const doors = [
      ['/api/sys/audit-events', root],
      ['/api/public/team/audit-events', admin],
      ['/api/sys/audit-events/export', root],
      ['/api/public/team/audit-events/export', admin],
    ] as const;
    for (const [path, token] of doors) {
      for (const search of ['query=', 'query=%20%20', 'q=', 'query=&q=', 'q=&query=']) {
        const format = path.endsWith('/export') ? '&format=ndjson' : '';
        const res = await t.app.request(`${ORIGIN}${path}?type=${type}${format}&${search}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const asked = `${path}?${search}`;
        expect(res.status, asked).toBe(200);
        const text = await res.text();
        const types = path.endsWith('/export')
          ? text
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line).type)
          : (JSON.parse(text) as { events: { type: string }[] }).events.map((e) => e.type);
        expect(types, asked).toEqual([type]);
      }
    }
    // The reads are recorded, and an empty search is not recorded as a search asked.
    const reads = await t.ts.store.audit.page({
      filters: { type: ['audit.read', 'audit.exported'] },
      before: null,
      limit: 100,
      audience: 'staff',
    });
    const recorded = reads.events.map(
      (e) => (JSON.parse(e.json) as { details: { filters?: object } }).details.filters,
    );
    expect(recorded.filter(Boolean).length).toBeGreaterThanOrEqual(doors.length);
    for (const filters of recorded) {
      expect(filters ?? {}).not.toHaveProperty('query');
      expect(filters ?? {}).not.toHaveProperty('q');
    }
  });
});

describe('audit export', () => {
  /** Raw: an export is a stream of text, which a browser downloads from the client's link. */
  const download = (url: string) =>
    t.app.request(url, { headers: { authorization: `Bearer ${root}` } });
  /** Bare events of one type, at the clock's time. */
  const settingsChanged = (count: number) =>
    Array.from({ length: count }, () => ({ type: 'settings.changed' as const, at: t.clock.now() }));

  it('NDJSON: one parseable event per line', async () => {
    await impersonationWithOrder();
    const res = await download(t.client(root).audit.exportUrl('ndjson', { type: 'order.placed' }));
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['order.placed']);
  });

  it('CSV: a reason with commas, quotes and newlines round-trips', async () => {
    const reason = 'Said "hello, world",\nthen =SUM(A1) left';
    await impersonationWithOrder(reason);
    const res = await download(
      t.client(root).audit.exportUrl('csv', { type: 'impersonation.started' }),
    );
    const rows = parseCsv(await res.text());
    const header = rows[0] as string[];
    const record = rows[1] as string[];
    expect(rows).toHaveLength(2);
    expect(record[header.indexOf('reason')]).toBe(reason);
    expect(record[header.indexOf('type')]).toBe('impersonation.started');
  });

  it('neutralises spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1')).toBe("'-1");
    // Excel with ';' as its list separator splits an unquoted cell there.
    expect(csvCell("Mozilla/5.0;=cmd|' /C calc'!A0")).toBe(`"Mozilla/5.0;=cmd|' /C calc'!A0"`);
    expect(csvCell('a\t=1')).toBe('"a\t=1"');
  });

  it("the user agent of a failed sign-in, split at ';' as some locales do, starts no formula", async () => {
    // Anyone, signed in or not: a failed sign-in records the user agent it came with.
    const agent = "Mozilla/5.0;=cmd|' /C calc'!A0;@SUM(1+1)";
    await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'nobody@example.test', password: 'wrong-password' },
      headers: { 'user-agent': agent },
    });
    const csv = await t.call('GET', '/api/sys/audit-events/export?format=csv', { token: root });
    const line = csv.text.split('\r\n').find((l) => l.includes('Mozilla/5.0')) ?? '';
    expect(line).toContain(`"${agent}"`);
    // Split as such a spreadsheet does: at each ';' outside quotes.
    const cells = [''];
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      if (ch === ';' && !quoted) cells.push('');
      else cells[cells.length - 1] += ch;
    }
    expect(cells).toHaveLength(1);
    expect(cells.filter((cell) => /^[=+\-@]/.test(cell))).toEqual([]);
  });

  it('streams large exports page by page', async () => {
    await appendEvents(t.ts, settingsChanged(1200), meta);
    const res = await download(
      t.client(root).audit.exportUrl('ndjson', { type: 'settings.changed' }),
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let chunks = 0;
    let lines = 0;
    // Work the event loop queued meanwhile (other requests' I/O) runs between pages, not after.
    let chunksWhenOthersRan: number | null = null;
    setImmediate(() => {
      chunksWhenOthersRan = chunks;
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      lines += new TextDecoder().decode(value).split('\n').filter(Boolean).length;
    }
    expect(lines).toBe(1200);
    expect(chunks).toBeGreaterThanOrEqual(3);
    expect(chunksWhenOthersRan).not.toBeNull();
    expect(chunksWhenOthersRan).toBeLessThan(chunks);
  });

  it('stops at its bound and says where to go on from', async () => {
    await appendEvents(t.ts, settingsChanged(30), meta);
    const filters = { type: ['settings.changed' as const] };
    const lines = async (format: 'ndjson' | 'csv') =>
      (
        await new Response(
          exportAuditEvents(t.deps, filters, format, 'staff', { maxEvents: 10 }),
        ).text()
      )
        .trim()
        .split(/\r?\n/);
    const ndjson = await lines('ndjson');
    expect(ndjson).toHaveLength(11);
    const marker = JSON.parse(ndjson[10] ?? '{}');
    expect(marker).toMatchObject({ truncated: true, nextCursor: expect.any(String) });
    const tenth = JSON.parse(ndjson[9] ?? '{}');
    expect(marker.nextCursor).toBe(String(tenth.id));
    const csv = await lines('csv');
    expect(csv).toHaveLength(12);
    expect(csv[11]).toMatch(/^# export stopped at 10 events/);
  });
});

describe('long reads take turns', () => {
  /** Enough events that an export spans several pages, so one can be held open mid-way. */
  const manyEvents = () =>
    appendEvents(
      t.ts,
      Array.from({ length: 1200 }, () => ({
        type: 'settings.changed' as const,
        at: t.clock.now(),
        organizationId: ids.organizationId('Acme Corp'),
      })),
      meta,
    );
  const exportAs = (token: string, scope: 'sys' | 'team' = 'sys') =>
    t.app.request(t.client(token).audit.exportUrl('ndjson', {}, scope), {
      headers: { authorization: `Bearer ${token}` },
    });
  /** An export begun and left open after its first page, as a slow download is. */
  const holdOpen = async (token: string, scope: 'sys' | 'team' = 'sys') => {
    const res = await exportAs(token, scope);
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    return reader;
  };
  const exportsRecorded = async () =>
    (await auditTrail(t.ts)).filter((e) => e.type === 'audit.exported').length;

  it('one export at a time per operator: a second is refused until the first ends or is abandoned', async () => {
    await manyEvents();
    const first = await holdOpen(root);
    const recorded = await exportsRecorded();
    const refused = await exportAs(root);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(await refused.json()).toMatchObject({ error: { code: 'export_busy' } });
    // A refused export is not on the record as an export.
    expect(await exportsRecorded()).toBe(recorded);
    // Followed as the portal's download link, the refusal is a page that says why, not a
    // download that fails with nothing to read.
    const followed = await t.app.request(t.client(root).audit.exportUrl('csv', {}, 'sys'), {
      headers: { authorization: `Bearer ${root}`, 'sec-fetch-dest': 'document' },
    });
    expect(followed.status).toBe(429);
    expect(followed.headers.get('retry-after')).toBe('10');
    expect(followed.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await followed.text()).toContain('An export is already running for you');
    expect(await exportsRecorded()).toBe(recorded);
    // Another operator is another requester.
    const ops = await t.signIn('ops@onbehalf.test');
    const other = await exportAs(ops.token);
    expect(other.status).toBe(200);
    await other.text();
    // The client went away: the turn comes back.
    await first.cancel();
    const again = await exportAs(root);
    expect(again.status).toBe(200);
    // Read to the end, it comes back too.
    expect((await again.text()).trim().split('\n').length).toBeGreaterThan(1200);
    expect((await exportAs(root)).status).toBe(200);
  });

  it('a HEAD of an export says what the download is, reads nothing and takes no turn', async () => {
    await manyEvents();
    const recorded = await exportsRecorded();
    for (const scope of ['sys', 'team'] as const) {
      const token = scope === 'sys' ? root : (await t.signIn('admin@acme.test')).token;
      const url = t.client(token).audit.exportUrl('csv', {}, scope);
      const head = await t.app.request(url, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(head.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
      expect(await head.text()).toBe('');
      // The download itself is served at once, not refused as one already running.
      const download = await exportAs(token, scope);
      expect(download.status).toBe(200);
      expect((await download.text()).trim().split('\n').length).toBeGreaterThan(1200);
    }
    // The two downloads are on the record; the HEADs, which sent nothing, are not.
    expect(await exportsRecorded()).toBe(recorded + 2);
    // Without a session a HEAD is refused as the download is.
    const anonymous = await t.app.request(t.client().audit.exportUrl('csv', {}, 'sys'), {
      method: 'HEAD',
    });
    expect(anonymous.status).toBe(401);
  });

  it("a team's exports take turns as the team's, whoever of its admins asks", async () => {
    await manyEvents();
    const admin = await t.signIn('admin@acme.test');
    const owner = await t.signIn('owner@acme.test');
    const held = await holdOpen(admin.token, 'team');
    const refused = await exportAs(owner.token, 'team');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'export_busy' } });
    // Another organization's team is not held up by Acme's.
    const solo = await t.signIn('solo@example.test');
    const theirs = await exportAs(solo.token, 'team');
    expect(theirs.status).toBe(200);
    await theirs.text();
    await held.cancel();
    const after = await exportAs(owner.token, 'team');
    expect(after.status).toBe(200);
    await after.text();
  });

  it('at most EXPORTS_AT_ONCE exports run in a process, whoever asks', async () => {
    const turns = Array.from({ length: EXPORTS_AT_ONCE }, (_, i) =>
      takeExportTurn(t.deps, `organization:${1000 + i}`),
    );
    const refused = await exportAs(root);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'export_busy' } });
    turns[0]?.();
    const admitted = await exportAs(root);
    expect(admitted.status).toBe(200);
    await admitted.text();
    for (const release of turns) release();
  });

  it('a reader that stops taking pages without going away is cut off, and the turn comes back', async () => {
    await manyEvents();
    const release = takeExportTurn(t.deps, 'staff:reader');
    let hasEnded!: () => void;
    const ended = new Promise<void>((resolve) => {
      hasEnded = resolve;
    });
    const stream = exportAuditEvents(t.deps, {}, 'ndjson', 'staff', {
      stallMs: 50,
      onEnd: () => {
        release();
        hasEnded();
      },
    });
    const reader = stream.getReader();
    expect((await reader.read()).done).toBe(false);
    // Still running: the same requester is refused.
    expect(() => takeExportTurn(t.deps, 'staff:reader')).toThrow(
      expect.objectContaining({ code: 'export_busy' }),
    );
    // The reader takes nothing more: once `stallMs` has passed, the export is cut off.
    await ended;
    await expect(reader.read()).rejects.toThrow(/took no page/);
    takeExportTurn(t.deps, 'staff:reader')();
  });

  it('a reader that takes a page now and then, never quite stalling, is cut off after the longest an export may run', async () => {
    // Pages enough that the export is far from done when its time is up.
    for (let i = 0; i < 4; i++) await manyEvents();
    // The export's own clock only: its reader's pace is told by moving it, not by waiting.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const release = takeExportTurn(t.deps, 'staff:slow');
    let ended = false;
    const stream = exportAuditEvents(t.deps, {}, 'ndjson', 'staff', {
      maxEvents: 100_000,
      stallMs: 1_000,
      longestMs: 100,
      onEnd: () => {
        release();
        ended = true;
      },
    });
    const reader = stream.getReader();
    const read = () =>
      reader.read().then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(await read()).toBeUndefined();
    // A page every 60 ms: never a stall, but past the longest after two.
    vi.advanceTimersByTime(60);
    expect(await read()).toBeUndefined();
    vi.advanceTimersByTime(60);
    let failure: unknown;
    for (let i = 0; i < 3 && failure === undefined; i++) failure = await read();
    expect(String(failure)).toMatch(/ran past 100 ms/);
    expect(ended).toBe(true);
    takeExportTurn(t.deps, 'staff:slow')();
  });

  it('an export that fails half-way gives its turn back', async () => {
    await manyEvents();
    const { page } = t.deps.store.audit;
    let pages = 0;
    t.deps.store.audit.page = (query) => {
      pages += 1;
      if (pages === 2) return Promise.reject(new Error('the database went away'));
      return page.call(t.deps.store.audit, query);
    };
    const broken = await exportAs(root);
    expect(broken.status).toBe(200);
    await expect(broken.text()).rejects.toThrow();
    t.deps.store.audit.page = page;
    const next = await exportAs(root);
    expect(next.status).toBe(200);
    await next.text();
  });

  it('verifications asked meanwhile share the next walk, which starts after they asked', async () => {
    const { verify } = t.deps.store.audit;
    let walks = 0;
    let firstHasRead!: () => void;
    const firstRead = new Promise<void>((resolve) => {
      firstHasRead = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    t.deps.store.audit.verify = async (query) => {
      walks += 1;
      const result = await verify.call(t.deps.store.audit, query);
      // The first walk has read the trail; it is held from answering until the test says.
      if (walks === 1) {
        firstHasRead();
        await gate;
      }
      return result;
    };
    const first = verifyAuditTrail(t.deps);
    await firstRead;
    // While the first walk runs, an event is appended, and four more ask.
    await appendEvents(t.ts, [{ type: 'settings.changed', at: t.clock.now() }], meta);
    const meanwhile = Array.from({ length: 4 }, () => verifyAuditTrail(t.deps));
    open();
    const [answer, ...later] = await Promise.all([first, ...meanwhile]);
    expect(walks).toBe(2);
    expect(answer?.intact).toBe(true);
    for (const result of later) {
      expect(result).toEqual(later[0]);
      expect(result.intact).toBe(true);
      // The later walk saw the event appended after the first began.
      expect(result.checked).toBe((answer?.checked ?? 0) + 1);
    }
    // Once nothing runs, a verification walks at once.
    await verifyAuditTrail(t.deps);
    expect(walks).toBe(3);
    t.deps.store.audit.verify = verify;
  });
});

/** RFC 4180, enough to check what we write reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  return rows.map((r) => r.map((c) => (c.startsWith("'") ? c.slice(1) : c)));
}

describe('text that is not well-formed Unicode', () => {
  it('is refused at every door that writes to the trail, and nothing is written', async () => {
    const before = await countOf(t.ts, 'auditEvents');
    const lone = 'checking \ud800 an order';
    const ops = await t.signIn('ops@onbehalf.test');
    const after = await countOf(t.ts, 'auditEvents');
    const attempts = [
      // Raw: JSON bodies carry it as an escape, which JSON.stringify would not write.
      t.call('POST', '/api/sys/one-click-links', {
        token: ops.token,
        body: `{"userId": ${ids.userId('buyer@acme.test')}, "delivery": "handover", "reason": "${'\\ud800'} why"}`,
      }),
      t.call('POST', `/api/sys/users/${ids.userId('buyer@acme.test')}/email-sign-in-link`, {
        token: ops.token,
        body: '{"reason": "help \\udfff me"}',
      }),
      t.call('POST', '/api/sys/login-tokens', {
        token: ops.token,
        body: `{"subject": {"type": "anonymous"}, "expiresAt": "${new Date(t.clock.now() + 86_400_000).toISOString()}", "extra": "\\ud83d"}`,
      }),
      t.call('POST', '/api/public/auth/sign-in', {
        body: '{"email": "buyer@acme.test", "password": "\\ud800"}',
      }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(400);
      expect(res.error?.code).toBe('validation_failed');
    }
    expect(lone.isWellFormed()).toBe(false);
    expect(await countOf(t.ts, 'auditEvents')).toBe(after);
    expect(after - before).toBe(1);
    expect((await verify()).intact).toBe(true);
  });
});
