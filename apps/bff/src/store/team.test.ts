import type { TeamSettings } from '@onbehalf/contracts/team';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { MemberPage, MemberRow } from '../features/team/team.store.ts';
import { FEW_MATCHES } from '../features/team/team.store.ts';
import type { AuditEntry } from '../lib/audit-event.ts';
import { decodeCursor, pageOf } from '../lib/pagination.ts';
import { newSession } from '../lib/session-row.ts';
import * as pg from './postgres/schema.ts';
import { statementsSentBy } from './postgres/test-round-trips.ts';
import type { ImpersonationRow } from './rows.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { users } from './sqlite/schema/users.ts';
import { memberPageSql } from './sqlite/team.store.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, insertRow, linked, rowsOf, rowWhere } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

async function organization(ts: TestStore, name: string) {
  return insertRow(ts, 'organizations', { name, kind: 'company', createdAt: 0 });
}

/**
 * Members of an organization, written in one statement per table: each name a user with a
 * profile (the triggers fill the sort name and the search index). Returns the profile ids.
 */
async function addMembers(
  ts: TestStore,
  organizationId: number,
  names: string[],
  prefix: string,
): Promise<number[]> {
  const people = names.map((name, i) => ({
    name,
    email: `${prefix}${i}@example.test`,
    kind: 'customer' as const,
    createdAt: 0,
  }));
  const profileOf = (userId: number) => ({
    userId,
    organizationId,
    role: 'member' as const,
    permissions: ['orders:read' as const],
    createdAt: 0,
  });
  if (ts.dialect === 'sqlite') {
    const ids = ts.db.insert(users).values(people).returning({ id: users.id }).all();
    return ts.db
      .insert(profiles)
      .values(ids.map((u) => profileOf(u.id)))
      .returning({ id: profiles.id })
      .all()
      .map((p) => p.id);
  }
  const ids = await ts.db.insert(pg.users).values(people).returning({ id: pg.users.id });
  const made = await ts.db
    .insert(pg.profiles)
    .values(ids.map((u) => profileOf(u.id)))
    .returning({ id: pg.profiles.id });
  return made.map((p) => p.id);
}

/** Every page of a listing, followed through its cursors as the service follows them. */
async function everyPage(
  ts: TestStore,
  organizationId: number,
  page: Omit<MemberPage, 'after'>,
): Promise<MemberRow[][]> {
  const pages: MemberRow[][] = [];
  let cursor: string | null | undefined;
  do {
    const after = decodeCursor(cursor ?? undefined, ['string', 'number'] as const);
    const rows = await ts.store.team.members(organizationId, { ...page, after });
    const { items, nextCursor } = pageOf(rows, page.limit, (r) => [
      r.profile.sortName,
      r.profile.id,
    ]);
    pages.push(items);
    cursor = nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

const namesOf = (pages: MemberRow[][]) => pages.map((p) => p.map((r) => r.user.name));

/** The order both stores page in: lower-cased name by bytes, then profile id. */
function expectedOrder(rows: { name: string; id: number }[]): string[] {
  return [...rows]
    .sort((a, b) => {
      const x = a.name.toLowerCase();
      const y = b.name.toLowerCase();
      return x < y ? -1 : x > y ? 1 : a.id - b.id;
    })
    .map((r) => `${r.name}#${r.id}`);
}

async function insertImpersonation(ts: TestStore, values: typeof impersonations.$inferInsert) {
  if (ts.dialect === 'sqlite') ts.db.insert(impersonations).values(values).run();
  else await ts.db.insert(pg.impersonations).values(values);
}

async function impersonation(ts: TestStore, id: string): Promise<ImpersonationRow | undefined> {
  if (ts.dialect === 'sqlite') {
    return ts.db.select().from(impersonations).where(eq(impersonations.id, id)).get();
  }
  return (await ts.db.select().from(pg.impersonations).where(eq(pg.impersonations.id, id)))[0];
}

/** Two organizations, an admin and a member in each, with running impersonations. */
async function world(ts: TestStore) {
  const acme = await organization(ts, 'Acme');
  const globex = await organization(ts, 'Globex');
  const [adminProfile, memberProfile] = await addMembers(ts, acme.id, ['Ada', 'Bob'], 'acme');
  const [, globexMember] = await addMembers(ts, globex.id, ['Gus', 'Gil'], 'globex');
  const profileRows = await rowsOf(ts, 'profiles');
  const userOf = (profileId: number | undefined) => {
    const found = profileRows.find((p) => p.id === profileId);
    if (!found) throw new Error(`no profile ${profileId}`);
    return found.userId;
  };
  const staff = await insertRow(ts, 'users', {
    email: 'root@onbehalf.test',
    name: 'Root',
    kind: 'operator',
    operatorRole: 'superadmin',
    createdAt: 0,
  });
  const session = async (userId: number, impersonationId?: string) => {
    const { session: row } = newSession({
      userId,
      profileId: null,
      method: 'password',
      now: T0,
      meta,
      ...(impersonationId ? { impersonationId } : {}),
    });
    await insertRow(ts, 'sessions', row);
    return row.id;
  };
  const running = async (
    id: string,
    door: 'team' | 'operator',
    actorUserId: number,
    targetProfileId: number | undefined,
    organizationId: number,
  ) => {
    const actorSessionId = await session(actorUserId);
    const sessionId = await session(userOf(targetProfileId), id);
    await insertImpersonation(ts, {
      id,
      door,
      actorUserId,
      actorSessionId,
      targetUserId: userOf(targetProfileId),
      targetProfileId: targetProfileId ?? null,
      organizationId,
      reason: 'help',
      handoffTokenHash: `hash-${id}`,
      handoffExpiresAt: T0 + MINUTE,
      handoffUsedAt: T0,
      sessionId,
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + 60 * MINUTE,
    });
  };
  await running('TEAM-ACME', 'team', userOf(adminProfile), memberProfile, acme.id);
  await running('OPS-ACME', 'operator', staff.id, memberProfile, acme.id);
  await running('TEAM-GLOBEX', 'team', userOf(globexMember), globexMember, globex.id);
  return { acme, globex, adminProfile, memberProfile, globexMember, staff, userOf };
}

/** An organization's settings as a decision reads them. */
async function settingsOf(ts: TestStore, organizationId: number): Promise<TeamSettings> {
  const found = await ts.store.team.organization(organizationId);
  if (!found) throw new Error('no such organization');
  const { impersonationEnabled, impersonationMaxMinutes, selfServiceLinksEnabled } = found;
  return {
    impersonationEnabled,
    impersonationMaxMinutes,
    selfServiceLinksEnabled,
    integrationsEnabled: found.integrationsEnabled,
  };
}

function settingsChanged(organizationId: number, actorUserId: number): AuditEntry {
  return {
    type: 'settings.changed',
    at: T0 + MINUTE,
    actor: { userId: actorUserId, kind: 'operator' },
    organizationId,
    details: { scope: 'organization' },
  };
}

describe.each(dialects)('team store on %s', (dialect) => {
  it('pages namesakes in (sort name, profile id) order, each cursor meaning the same', async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'Acme');
    const globex = await organization(ts, 'Globex');
    const names = ['Jane Doe', 'jane doe', 'Adam Ant', 'JANE DOE', 'Zed', 'Jane Doe', 'Bob'];
    const ids = await addMembers(ts, acme.id, names, 'a');
    await addMembers(ts, globex.id, ['Jane Doe', 'Aaron'], 'g');
    const expected = expectedOrder(names.map((name, i) => ({ name, id: ids[i] ?? 0 })));

    const pages = await everyPage(ts, acme.id, { limit: 2 });
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat().map((r) => `${r.user.name}#${r.profile.id}`)).toEqual(expected);

    const janes = await everyPage(ts, acme.id, { query: 'jane', limit: 2 });
    expect(janes.map((p) => p.length)).toEqual([2, 2]);
    expect(janes.flat().map((r) => `${r.user.name}#${r.profile.id}`)).toEqual(
      expected.filter((e) => e.toLowerCase().startsWith('jane')),
    );

    // The caller left out, the rest in the same order.
    const [first] = await ts.store.team.members(acme.id, { limit: 10, except: 0 });
    const without = await everyPage(ts, acme.id, { limit: 3, except: first?.user.id ?? -1 });
    expect(without.flat().map((r) => `${r.user.name}#${r.profile.id}`)).toEqual(expected.slice(1));

    // A cursor from a name between members starts just after it.
    const after = await ts.store.team.members(acme.id, { after: ['bz', 0], limit: 10 });
    expect(after.map((r) => r.user.name)).toEqual([
      'Jane Doe',
      'jane doe',
      'JANE DOE',
      'Jane Doe',
      'Zed',
    ]);
    // An id beyond any column's range still means "after this key".
    const beyond = await ts.store.team.members(acme.id, {
      after: ['jane doe', Number.MAX_SAFE_INTEGER],
      limit: 10,
    });
    expect(beyond.map((r) => r.user.name)).toEqual(['Zed']);
  });

  it('searches every word typed in names and emails, ignoring words of punctuation only', async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'Acme');
    await addMembers(ts, acme.id, ['Jane Doe', 'John Smith', 'Janet Roe'], 'acme');
    const search = async (query: string) =>
      (await ts.store.team.members(acme.id, { query, limit: 10 })).map((r) => r.user.name);
    expect(await search('jane')).toEqual(['Jane Doe', 'Janet Roe']);
    expect(await search('jane doe')).toEqual(['Jane Doe']);
    expect(await search('jane @')).toEqual(['Jane Doe', 'Janet Roe']);
    expect(await search('acme1')).toEqual(['John Smith']);
    expect(await search('nobody')).toEqual([]);
    expect(await search('"')).toEqual([]);
  });

  it('a broad search walks names, a narrow one reads its matches: the same pages', async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'Acme');
    const elsewhere = await organization(ts, 'Elsewhere');
    // More than FEW_MATCHES clerks, nearly all elsewhere: "clerk" is a broad search.
    const many = Array.from({ length: FEW_MATCHES + 5 }, (_, i) => `Clerk ${i}`);
    await addMembers(ts, elsewhere.id, many, 'e');
    const names = ['Clerk Kent', 'Lois Lane', 'clerk kent', 'Clerk Adams', 'Clerk Kent'];
    const ids = await addMembers(ts, acme.id, names, 'a');
    const expected = expectedOrder(names.map((name, i) => ({ name, id: ids[i] ?? 0 })));
    if (ts.dialect === 'sqlite') {
      expect(memberPageSql(ts.db, acme.id, { query: 'clerk', limit: 2 }).way).toBe('byName');
      expect(memberPageSql(ts.db, acme.id, { query: 'kent', limit: 2 }).way).toBe('fromMatches');
    }
    const broad = await everyPage(ts, acme.id, { query: 'clerk', limit: 2 });
    expect(broad.flat().map((r) => `${r.user.name}#${r.profile.id}`)).toEqual(
      expected.filter((e) => e.toLowerCase().startsWith('clerk')),
    );
    const narrow = await everyPage(ts, acme.id, { query: 'kent', limit: 2 });
    expect(namesOf(narrow)).toEqual([['Clerk Kent', 'clerk kent'], ['Clerk Kent']]);
    expect(narrow.flat().map((r) => `${r.user.name}#${r.profile.id}`)).toEqual(
      expected.filter((e) => e.toLowerCase().startsWith('clerk kent')),
    );
  });

  it('reads one member of the organization and an organization, nothing for other ids', async () => {
    const ts = await freshStore(dialect);
    const { acme, memberProfile, globexMember } = await world(ts);
    const member = await ts.store.team.member(acme.id, memberProfile ?? 0);
    expect(member?.user.name).toBe('Bob');
    expect(member?.profile).toMatchObject({ role: 'member', permissions: ['orders:read'] });
    expect(await ts.store.team.member(acme.id, globexMember ?? 0)).toBeUndefined();
    expect(await ts.store.team.member(acme.id, 2 ** 40)).toBeUndefined();
    expect((await ts.store.team.organization(acme.id))?.name).toBe('Acme');
    expect(await ts.store.team.organization(2 ** 40)).toBeUndefined();
  });

  it('updating a member writes the role and permissions and audits it', async () => {
    const ts = await freshStore(dialect);
    const { acme, adminProfile, userOf } = await world(ts);
    // A member nobody is acting as: the change ends nothing.
    const [profileId = 0] = await addMembers(ts, acme.id, ['Cy'], 'cy');
    const editor = await rowWhere(ts, 'profiles', { id: adminProfile ?? 0 });
    const outcome = await ts.store.team.updateMember({
      profileId,
      before: { profileId, role: 'member', permissions: ['orders:read'] },
      editor: { profileId: editor.id, role: editor.role, permissions: editor.permissions },
      role: 'admin',
      permissions: ['orders:read', 'team:read'],
      audit: {
        type: 'team.member_updated',
        at: T0,
        actor: { userId: userOf(adminProfile), kind: 'customer' },
        organizationId: acme.id,
        details: { profileId },
      },
      now: T0,
      meta,
    });
    expect(outcome).toBe('updated');
    expect((await ts.store.team.member(acme.id, profileId))?.profile).toMatchObject({
      role: 'admin',
      permissions: ['orders:read', 'team:read'],
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.organizationId, e.details])).toEqual([
      ['team.member_updated', acme.id, { profileId }],
    ]);
  });

  it('closing the team door ends its running team impersonations; a lower limit shortens both doors', async () => {
    const ts = await freshStore(dialect);
    const { acme, staff } = await world(ts);
    await ts.store.team.updateOrganizationSettings({
      organizationId: acme.id,
      before: await settingsOf(ts, acme.id),
      next: {
        impersonationEnabled: false,
        impersonationMaxMinutes: 15,
        selfServiceLinksEnabled: true,
        integrationsEnabled: true,
      },
      endTeamImpersonations: true,
      shortenTo: 15,
      audit: settingsChanged(acme.id, staff.id),
      now: T0 + MINUTE,
      meta,
    });
    expect(await ts.store.team.organization(acme.id)).toMatchObject({
      impersonationEnabled: false,
      impersonationMaxMinutes: 15,
      selfServiceLinksEnabled: true,
      integrationsEnabled: true,
    });
    const team = await impersonation(ts, 'TEAM-ACME');
    expect(team).toMatchObject({ endedAt: T0 + MINUTE, endReason: 'setting_disabled' });
    const ops = await impersonation(ts, 'OPS-ACME');
    expect(ops).toMatchObject({ endedAt: null, endsAt: T0 + 15 * MINUTE });
    expect(await impersonation(ts, 'TEAM-GLOBEX')).toMatchObject({
      endedAt: null,
      endsAt: T0 + 60 * MINUTE,
    });
    const sessions = await rowsOf(ts, 'sessions');
    const sessionOf = (id: string) => sessions.find((s) => s.impersonationId === id);
    expect(sessionOf('TEAM-ACME')?.revokedReason).toBe('impersonation_setting_disabled');
    expect(sessionOf('OPS-ACME')).toMatchObject({ revokedAt: null, expiresAt: T0 + 15 * MINUTE });
    expect(sessionOf('TEAM-GLOBEX')?.revokedAt).toBeNull();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.organizationId])).toEqual([
      ['impersonation.ended', acme.id],
      ['settings.changed', acme.id],
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('a change of settings no longer as read writes nothing: a door closed meanwhile stays closed', async () => {
    const ts = await freshStore(dialect);
    const { acme, staff } = await world(ts);
    const change = (next: Partial<TeamSettings>, before: TeamSettings) =>
      ts.store.team.updateOrganizationSettings({
        organizationId: acme.id,
        before,
        next: { ...before, ...next },
        endTeamImpersonations: before.impersonationEnabled && next.impersonationEnabled === false,
        shortenTo: null,
        audit: settingsChanged(acme.id, staff.id),
        now: T0 + MINUTE,
        meta,
      });
    expect(await change({ impersonationEnabled: true }, await settingsOf(ts, acme.id))).toBe(
      'done',
    );
    // Two people read the same settings; one closes the door, the other turns links off.
    const asRead = await settingsOf(ts, acme.id);
    expect(asRead.impersonationEnabled).toBe(true);
    expect(await change({ impersonationEnabled: false }, asRead)).toBe('done');
    expect(await change({ selfServiceLinksEnabled: false }, asRead)).toBe('lost_race');
    expect(await settingsOf(ts, acme.id)).toEqual({ ...asRead, impersonationEnabled: false });
    const changes = (await auditTrail(ts)).filter((e) => e.type === 'settings.changed');
    expect(changes).toHaveLength(2);
    // Read again, the second change goes through and keeps the door closed.
    const now = await settingsOf(ts, acme.id);
    expect(await change({ selfServiceLinksEnabled: false }, now)).toBe('done');
    expect(await settingsOf(ts, acme.id)).toEqual({
      ...asRead,
      impersonationEnabled: false,
      selfServiceLinksEnabled: false,
    });
  });

  it('settings that close nothing change only the organization, audited', async () => {
    const ts = await freshStore(dialect);
    const { acme, staff } = await world(ts);
    await ts.store.team.updateOrganizationSettings({
      organizationId: acme.id,
      before: await settingsOf(ts, acme.id),
      next: {
        impersonationEnabled: true,
        impersonationMaxMinutes: 90,
        selfServiceLinksEnabled: false,
        integrationsEnabled: false,
      },
      endTeamImpersonations: false,
      shortenTo: null,
      audit: settingsChanged(acme.id, staff.id),
      now: T0 + MINUTE,
      meta,
    });
    for (const id of ['TEAM-ACME', 'OPS-ACME']) {
      expect(await impersonation(ts, id)).toMatchObject({
        endedAt: null,
        endsAt: T0 + 60 * MINUTE,
      });
    }
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['settings.changed']);
  });
});

describe('team store on PostgreSQL', () => {
  it('reads every page, searched or not, and one member, through statements prepared once', async () => {
    const ts = await freshStore('postgres');
    const acme = await organization(ts, 'Acme');
    const elsewhere = await organization(ts, 'Elsewhere');
    // More than FEW_MATCHES clerks elsewhere: "clerk" is a broad search, "kent" a narrow one.
    const many = Array.from({ length: FEW_MATCHES + 5 }, (_, i) => `Clerk ${i}`);
    await addMembers(ts, elsewhere.id, many, 'e');
    await addMembers(ts, acme.id, ['Ann', 'Bob', 'Clerk Kent'], 'a');
    const names = (rows: MemberRow[]) => rows.map((r) => r.user.name);
    const sent = await statementsSentBy(ts, async (store) => {
      // Read from the statement planned for 11 rows, and cut to the page's own 2 + 1.
      expect(names(await store.team.members(elsewhere.id, { limit: 2 }))).toEqual(
        [...many].sort().slice(0, 3),
      );
      const first = await store.team.members(acme.id, { limit: 2 });
      expect(names(first)).toEqual(['Ann', 'Bob', 'Clerk Kent']);
      const last = first[1];
      const after = [last?.profile.sortName ?? '', last?.profile.id ?? 0] as const;
      expect(names(await store.profiles.coworkers(acme.id, { after, limit: 2 }))).toEqual([
        'Clerk Kent',
      ]);
      for (const query of ['kent', 'clerk']) {
        expect(names(await store.team.members(acme.id, { query, limit: 2 }))).toEqual([
          'Clerk Kent',
        ]);
        expect(names(await store.team.members(acme.id, { query, after, limit: 2 }))).toEqual([
          'Clerk Kent',
        ]);
      }
      // The member the edit form reads.
      const ann = first[0]?.profile.id ?? 0;
      expect((await store.team.member(acme.id, ann))?.user.name).toBe('Ann');
    });
    expect(sent.names).toEqual([
      'team_members_first_page_11',
      'team_members_first_page_11',
      'team_members_page_after_11',
      'team_search_matches',
      'team_matches_first_page_11',
      'team_search_matches',
      'team_matches_page_after_11',
      'team_search_matches',
      'team_words_first_page_11',
      'team_search_matches',
      'team_words_page_after_11',
      'team_member',
    ]);
    // Limits written into the statements, so PostgreSQL plans each once (prepared.ts).
    // The matches are asked of the full-text index's function for at most FEW_MATCHES + 1.
    for (const [i, name] of sent.names.entries()) {
      if (name === 'team_member') continue;
      const limit =
        name === 'team_search_matches' ? `, ${FEW_MATCHES + 1}\\) AS matching` : ' limit 11';
      expect(sent.texts[i]).toMatch(new RegExp(`${limit}$`));
    }
  });
});

describe('team store on several PostgreSQL processes', () => {
  it('of concurrent door closings each running team impersonation ends once', async () => {
    const ts = await freshStore('postgres');
    const { acme, staff } = await world(ts);
    const before = await settingsOf(ts, acme.id);
    const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
      Promise.all(
        [...stores, ...stores].map((store) =>
          store.team.updateOrganizationSettings({
            organizationId: acme.id,
            before,
            next: {
              impersonationEnabled: false,
              impersonationMaxMinutes: 60,
              selfServiceLinksEnabled: false,
              integrationsEnabled: false,
            },
            endTeamImpersonations: true,
            shortenTo: null,
            audit: settingsChanged(acme.id, staff.id),
            now: T0 + MINUTE,
            meta,
          }),
        ),
      ),
    );
    // The first wins; the others find the settings no longer as they read them.
    expect(outcomes.filter((outcome) => outcome === 'done')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'lost_race')).toHaveLength(7);
    const trail = await auditTrail(ts);
    expect(trail.filter((e) => e.type === 'impersonation.ended')).toHaveLength(1);
    expect(trail.filter((e) => e.type === 'settings.changed')).toHaveLength(1);
    expect(linked(trail)).toBe(true);
    expect(await impersonation(ts, 'TEAM-ACME')).toMatchObject({ endReason: 'setting_disabled' });
  });
});
