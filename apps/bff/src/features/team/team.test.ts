import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

type Member = {
  profileId: number;
  name: string;
  email: string;
  role: string;
  permissions: string[];
};

async function members(token: string): Promise<Member[]> {
  const res = await t.call('GET', '/api/public/team/members', { token });
  expect(res.status).toBe(200);
  return res.json.members;
}

async function memberByEmail(token: string, email: string): Promise<Member> {
  const found = (await members(token)).find((m) => m.email === email);
  if (!found) throw new Error(`${email} not in team`);
  return found;
}

describe('team members', () => {
  it("lists the active organization's members only", async () => {
    const admin = await t.signIn('admin@acme.test');
    const emails = (await members(admin.token)).map((m) => m.email).sort();
    expect(emails).toEqual(
      ['admin@acme.test', 'buyer@acme.test', 'member@acme.test', 'owner@acme.test'].sort(),
    );
  });

  it('needs team:read', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const res = await t.call('GET', '/api/public/team/members', { token: buyer.token });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
  });

  it("an edit reaches the member's live session at once", async () => {
    const admin = await t.signIn('admin@acme.test');
    const buyer = await t.signIn('buyer@acme.test');
    const target = await memberByEmail(admin.token, 'buyer@acme.test');
    const res = await t.call('PATCH', `/api/public/team/members/${target.profileId}`, {
      token: admin.token,
      body: { permissions: ['orders:read', 'invoices:read'] },
    });
    expect(res.status).toBe(200);
    expect(res.json.member.permissions).toEqual(['orders:read', 'invoices:read']);
    const session = await t.call('GET', '/api/public/auth/session', { token: buyer.token });
    expect(session.json.session.permissions).toEqual(['orders:read', 'invoices:read']);
    const place = await t.call('POST', '/api/public/orders', {
      token: buyer.token,
      body: { sku: 'PAPER-A4', quantity: 1 },
    });
    expect(place.status).toBe(403);
  });

  it('refuses to grant a permission the editor does not hold, and changes nothing', async () => {
    const owner = await t.signIn('owner@acme.test');
    const admin = await t.signIn('admin@acme.test');
    const adminProfile = await memberByEmail(owner.token, 'admin@acme.test');
    const target = await memberByEmail(owner.token, 'buyer@acme.test');
    const withoutInvoices = (p: string[]) => p.filter((x) => x !== 'invoices:read');
    for (const member of [adminProfile, target]) {
      await t.call('PATCH', `/api/public/team/members/${member.profileId}`, {
        token: owner.token,
        body: { permissions: withoutInvoices(member.permissions) },
      });
    }
    const res = await t.call('PATCH', `/api/public/team/members/${target.profileId}`, {
      token: admin.token,
      body: { permissions: [...withoutInvoices(target.permissions), 'invoices:read'] },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('permission_escalation');
    expect((await memberByEmail(admin.token, 'buyer@acme.test')).permissions).toEqual(
      withoutInvoices(target.permissions),
    );
  });

  it('raising to admin is the owner’s act: an admin can neither set the role nor grant team rights', async () => {
    const admin = await t.signIn('admin@acme.test');
    const target = await memberByEmail(admin.token, 'buyer@acme.test');
    const attempts = [
      { role: 'admin' },
      { permissions: [...target.permissions, 'team:read'] },
      { permissions: [...target.permissions, 'team:impersonate'] },
    ];
    for (const body of attempts) {
      const res = await t.call('PATCH', `/api/public/team/members/${target.profileId}`, {
        token: admin.token,
        body,
      });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('owner_required');
    }
    expect(await memberByEmail(admin.token, 'buyer@acme.test')).toEqual(target);
    // Taking team rights away is not raising: an admin may still do that to another admin.
    const owner = await t.signIn('owner@acme.test');
    await t.call('PATCH', `/api/public/team/members/${target.profileId}`, {
      token: owner.token,
      body: { permissions: [...target.permissions, 'team:read'] },
    });
    const lowered = await t.call('PATCH', `/api/public/team/members/${target.profileId}`, {
      token: admin.token,
      body: { permissions: target.permissions },
    });
    expect(lowered.status).toBe(200);
  });

  it('refuses an admin who would demote an owner, or make someone owner', async () => {
    const admin = await t.signIn('admin@acme.test');
    const owner = await memberByEmail(admin.token, 'owner@acme.test');
    const demote = await t.call('PATCH', `/api/public/team/members/${owner.profileId}`, {
      token: admin.token,
      body: { role: 'member' },
    });
    expect(demote.status).toBe(403);
    expect(demote.json.error.code).toBe('owner_protected');
    const buyer = await memberByEmail(admin.token, 'buyer@acme.test');
    const promote = await t.call('PATCH', `/api/public/team/members/${buyer.profileId}`, {
      token: admin.token,
      body: { role: 'owner' },
    });
    expect(promote.status).toBe(403);
    expect((await memberByEmail(admin.token, 'owner@acme.test')).role).toBe('owner');
  });

  it('an owner may promote a member to admin, which applies the admin preset', async () => {
    const owner = await t.signIn('owner@acme.test');
    const buyer = await memberByEmail(owner.token, 'buyer@acme.test');
    const res = await t.call('PATCH', `/api/public/team/members/${buyer.profileId}`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    expect(res.status).toBe(200);
    expect(res.json.member.role).toBe('admin');
    expect(res.json.member.permissions).toContain('team:impersonate');
  });

  it('refuses editing yourself', async () => {
    const admin = await t.signIn('admin@acme.test');
    const self = await memberByEmail(admin.token, 'admin@acme.test');
    const res = await t.call('PATCH', `/api/public/team/members/${self.profileId}`, {
      token: admin.token,
      body: { permissions: self.permissions.filter((p) => p !== 'team:impersonate') },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('cannot_edit_self');
  });

  it('a profile of another organization is 404, never confirmed', async () => {
    const globexMember = await t.signInAs('member@acme.test', 'Globex Inc');
    const globexProfileId = globexMember.session.activeProfile?.Id;
    const admin = await t.signIn('admin@acme.test');
    const res = await t.call('PATCH', `/api/public/team/members/${globexProfileId}`, {
      token: admin.token,
      body: { permissions: ['orders:read'] },
    });
    expect(res.status).toBe(404);
  });

  it('needs team:manage to edit', async () => {
    const owner = await t.signIn('owner@acme.test');
    const admin = await memberByEmail(owner.token, 'admin@acme.test');
    await t.call('PATCH', `/api/public/team/members/${admin.profileId}`, {
      token: owner.token,
      body: { permissions: ['orders:read', 'team:read'] },
    });
    const adminSession = await t.signIn('admin@acme.test');
    const buyer = await memberByEmail(adminSession.token, 'buyer@acme.test');
    const res = await t.call('PATCH', `/api/public/team/members/${buyer.profileId}`, {
      token: adminSession.token,
      body: { permissions: ['orders:read'] },
    });
    expect(res.status).toBe(403);
  });

  it('audits the change with before and after', async () => {
    const admin = await t.signIn('admin@acme.test');
    const buyer = await memberByEmail(admin.token, 'buyer@acme.test');
    await t.call('PATCH', `/api/public/team/members/${buyer.profileId}`, {
      token: admin.token,
      body: { permissions: ['orders:read'] },
    });
    const event = t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'team.member_updated')))
      .get();
    expect(event?.actorUserId).toBe(admin.session.user?.id);
    expect(event?.details).toMatchObject({
      before: { permissions: buyer.permissions },
      after: { permissions: ['orders:read'] },
    });
  });
});

describe('organization settings', () => {
  it('an operator with settings:manage changes an organization, audited with before and after', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const res = await t.call('PUT', '/api/sys/organizations/2/settings', {
      token: root.token,
      body: { impersonationEnabled: true, impersonationMaxMinutes: 20 },
    });
    expect(res.status).toBe(200);
    expect(res.json.settings).toMatchObject({
      impersonationEnabled: true,
      impersonationMaxMinutes: 20,
    });
    const event = t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'settings.changed'))
      .get();
    expect(event).toMatchObject({ organizationId: 2, actorUserId: root.session.user?.id });
    expect(event?.details).toMatchObject({
      before: { impersonationEnabled: false },
      after: { impersonationEnabled: true, impersonationMaxMinutes: 20 },
    });
  });

  it('needs settings:manage, and an organization that exists', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const body = { impersonationEnabled: true };
    expect(
      (await t.call('PUT', '/api/sys/organizations/2/settings', { token: ops.token, body })).status,
    ).toBe(403);
    const root = await t.signIn('root@onbehalf.test');
    expect(
      (await t.call('PUT', '/api/sys/organizations/999/settings', { token: root.token, body }))
        .status,
    ).toBe(404);
    const owner = await t.signIn('owner@acme.test');
    expect(
      (await t.call('PUT', '/api/sys/organizations/1/settings', { token: owner.token, body }))
        .status,
    ).toBe(403);
  });

  it('the team setting is off by default for a new organization', () => {
    const created = t.sqlite
      .prepare(
        `INSERT INTO organizations (name, kind, created_at) VALUES ('New Co', 'company', 0) RETURNING *`,
      )
      .get() as { impersonation_enabled: number };
    expect(created.impersonation_enabled).toBe(0);
  });
});
