import type { UpdateTeamMemberBody } from '@onbehalf/contracts/team';
import { beforeEach, describe, expect, it } from 'vitest';
import { insertRow, rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

async function members(token: string) {
  return (await t.client(token).team.members()).members;
}

async function memberByEmail(token: string, email: string) {
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
    await expect(t.client(buyer.token).team.members()).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
  });

  it("an edit reaches the member's live session at once", async () => {
    const admin = await t.signIn('admin@acme.test');
    const buyer = await t.signIn('buyer@acme.test');
    const target = await memberByEmail(admin.token, 'buyer@acme.test');
    const { member } = await t.client(admin.token).team.updateMember(target.profileId, {
      permissions: ['orders:read', 'invoices:read'],
    });
    expect(member.permissions).toEqual(['orders:read', 'invoices:read']);
    const { session } = await t.client(buyer.token).auth.session();
    expect(session.permissions).toEqual(['orders:read', 'invoices:read']);
    await expect(
      t.client(buyer.token).orders.place({ sku: 'PAPER-A4', quantity: 1 }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('refuses to grant a permission the editor does not hold, and changes nothing', async () => {
    const owner = await t.signIn('owner@acme.test');
    const admin = await t.signIn('admin@acme.test');
    const adminProfile = await memberByEmail(owner.token, 'admin@acme.test');
    const target = await memberByEmail(owner.token, 'buyer@acme.test');
    const withoutInvoices = <P extends string>(p: P[]) => p.filter((x) => x !== 'invoices:read');
    for (const member of [adminProfile, target]) {
      await t.client(owner.token).team.updateMember(member.profileId, {
        permissions: withoutInvoices(member.permissions),
      });
    }
    await expect(
      t.client(admin.token).team.updateMember(target.profileId, {
        permissions: [...withoutInvoices(target.permissions), 'invoices:read'],
      }),
    ).rejects.toMatchObject({ status: 403, code: 'permission_escalation' });
    expect((await memberByEmail(admin.token, 'buyer@acme.test')).permissions).toEqual(
      withoutInvoices(target.permissions),
    );
  });

  it('raising to admin is the owner’s act: an admin can neither set the role nor grant team rights', async () => {
    const admin = await t.signIn('admin@acme.test');
    const target = await memberByEmail(admin.token, 'buyer@acme.test');
    const attempts: UpdateTeamMemberBody[] = [
      { role: 'admin' },
      { permissions: [...target.permissions, 'team:read'] },
      { permissions: [...target.permissions, 'team:impersonate'] },
    ];
    for (const body of attempts) {
      await expect(
        t.client(admin.token).team.updateMember(target.profileId, body),
      ).rejects.toMatchObject({ status: 403, code: 'owner_required' });
    }
    expect(await memberByEmail(admin.token, 'buyer@acme.test')).toEqual(target);
    // Taking team rights away is not raising: an admin may still do that to another admin.
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).team.updateMember(target.profileId, {
      permissions: [...target.permissions, 'team:read'],
    });
    await expect(
      t.client(admin.token).team.updateMember(target.profileId, {
        permissions: target.permissions,
      }),
    ).resolves.toBeDefined();
  });

  it('refuses an admin who would demote an owner, or make someone owner', async () => {
    const admin = await t.signIn('admin@acme.test');
    const owner = await memberByEmail(admin.token, 'owner@acme.test');
    await expect(
      t.client(admin.token).team.updateMember(owner.profileId, { role: 'member' }),
    ).rejects.toMatchObject({ status: 403, code: 'owner_protected' });
    const buyer = await memberByEmail(admin.token, 'buyer@acme.test');
    await expect(
      t.client(admin.token).team.updateMember(buyer.profileId, { role: 'owner' }),
    ).rejects.toMatchObject({ status: 403 });
    expect((await memberByEmail(admin.token, 'owner@acme.test')).role).toBe('owner');
  });

  it('an owner may promote a member to admin, which applies the admin preset', async () => {
    const owner = await t.signIn('owner@acme.test');
    const buyer = await memberByEmail(owner.token, 'buyer@acme.test');
    const { member } = await t
      .client(owner.token)
      .team.updateMember(buyer.profileId, { role: 'admin' });
    expect(member.role).toBe('admin');
    expect(member.permissions).toContain('team:impersonate');
  });

  it('refuses editing yourself', async () => {
    const admin = await t.signIn('admin@acme.test');
    const self = await memberByEmail(admin.token, 'admin@acme.test');
    await expect(
      t.client(admin.token).team.updateMember(self.profileId, {
        permissions: self.permissions.filter((p) => p !== 'team:impersonate'),
      }),
    ).rejects.toMatchObject({ status: 403, code: 'cannot_edit_self' });
  });

  it('a profile of another organization is 404, never confirmed', async () => {
    const globexMember = await t.signInAs('member@acme.test', 'Globex Inc');
    const globexProfileId = globexMember.session.activeProfile?.Id;
    if (!globexProfileId) throw new Error('no Globex profile');
    const admin = await t.signIn('admin@acme.test');
    await expect(
      t.client(admin.token).team.updateMember(globexProfileId, { permissions: ['orders:read'] }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('needs team:manage to edit', async () => {
    const owner = await t.signIn('owner@acme.test');
    const admin = await memberByEmail(owner.token, 'admin@acme.test');
    await t.client(owner.token).team.updateMember(admin.profileId, {
      permissions: ['orders:read', 'team:read'],
    });
    const adminSession = await t.signIn('admin@acme.test');
    const buyer = await memberByEmail(adminSession.token, 'buyer@acme.test');
    await expect(
      t.client(adminSession.token).team.updateMember(buyer.profileId, {
        permissions: ['orders:read'],
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('audits the change with before and after', async () => {
    const admin = await t.signIn('admin@acme.test');
    const buyer = await memberByEmail(admin.token, 'buyer@acme.test');
    await t
      .client(admin.token)
      .team.updateMember(buyer.profileId, { permissions: ['orders:read'] });
    const [event] = await rowsWhere(t.ts, 'auditEvents', { type: 'team.member_updated' });
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
    const { settings } = await t.client(root.token).sys.updateOrganizationSettings(2, {
      impersonationEnabled: true,
      impersonationMaxMinutes: 20,
    });
    expect(settings).toMatchObject({
      impersonationEnabled: true,
      impersonationMaxMinutes: 20,
    });
    const [event] = await rowsWhere(t.ts, 'auditEvents', { type: 'settings.changed' });
    expect(event).toMatchObject({ organizationId: 2, actorUserId: root.session.user?.id });
    expect(event?.details).toMatchObject({
      before: { impersonationEnabled: false },
      after: { impersonationEnabled: true, impersonationMaxMinutes: 20 },
    });
  });

  it('an operator with settings:manage changes the global settings, audited with before and after', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const before = (await t.client(root.token).sys.settings()).settings;
    const { settings } = await t.client(root.token).sys.updateSettings({
      selfServiceLinks: { enabled: false },
    });
    expect(settings).toEqual({ ...before, selfServiceLinks: { enabled: false } });
    const events = await rowsWhere(t.ts, 'auditEvents', { type: 'settings.changed' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ organizationId: null, actorUserId: root.session.user?.id });
    expect(events[0]?.details).toEqual({ scope: 'global', before, after: settings });
  });

  it("a change between a decision's read and its write is refused 409, and a door closed meanwhile stays closed", async () => {
    const root = await t.signIn('root@onbehalf.test');
    const owner = await t.signIn('owner@acme.test');
    const acme = (await t.client(owner.token).team.settings()).settings;
    await t.client(owner.token).team.updateSettings({ impersonationEnabled: true });
    const events = async () =>
      (await rowsWhere(t.ts, 'auditEvents', { type: 'settings.changed' })).length;
    // The operator's request reads Acme's settings; before it writes, the owner closes the door.
    const { organization } = t.deps.store.team;
    t.deps.store.team.organization = async (id) => {
      t.deps.store.team.organization = organization;
      const read = await organization(id);
      await t.client(owner.token).team.updateSettings({ impersonationEnabled: false });
      return read;
    };
    const recorded = await events();
    const acmeId = (await rowsWhere(t.ts, 'organizations', { name: 'Acme Corp' }))[0]?.id ?? 0;
    await expect(
      t
        .client(root.token)
        .sys.updateOrganizationSettings(acmeId, { selfServiceLinksEnabled: false }),
    ).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect((await t.client(owner.token).team.settings()).settings).toEqual({
      ...acme,
      impersonationEnabled: false,
    });
    // The owner's change is on the record; the refused one is not.
    expect(await events()).toBe(recorded + 1);

    // The same for the global settings: an operator's change to the links does not reopen the
    // operator door another closed meanwhile.
    await t.client(root.token).sys.updateSettings({
      operatorImpersonation: { enabled: true, maxMinutes: 60 },
    });
    const { read } = t.deps.store.settings;
    t.deps.store.settings.read = async () => {
      t.deps.store.settings.read = read;
      const before = await read();
      await t.client(root.token).sys.updateSettings({
        operatorImpersonation: { enabled: false, maxMinutes: 60 },
      });
      return before;
    };
    await expect(
      t.client(root.token).sys.updateSettings({ selfServiceLinks: { enabled: false } }),
    ).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect((await t.client(root.token).sys.settings()).settings).toMatchObject({
      operatorImpersonation: { enabled: false },
      selfServiceLinks: { enabled: true },
    });
  });

  it('needs settings:manage, and an organization that exists', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const body = { impersonationEnabled: true };
    await expect(t.client(ops.token).sys.updateOrganizationSettings(2, body)).rejects.toMatchObject(
      { status: 403 },
    );
    const root = await t.signIn('root@onbehalf.test');
    await expect(
      t.client(root.token).sys.updateOrganizationSettings(999, body),
    ).rejects.toMatchObject({ status: 404 });
    const owner = await t.signIn('owner@acme.test');
    await expect(
      t.client(owner.token).sys.updateOrganizationSettings(1, body),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('the team setting is off by default for a new organization', async () => {
    const created = await insertRow(t.ts, 'organizations', {
      name: 'New Co',
      kind: 'company',
      createdAt: 0,
    });
    expect(created.impersonationEnabled).toBe(false);
  });
});
