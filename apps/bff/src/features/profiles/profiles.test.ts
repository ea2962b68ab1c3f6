import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

async function profilesOf(token: string) {
  return (await t.client(token).profiles.list()).Profiles;
}

describe('profiles', () => {
  it('a user with one profile goes straight in', async () => {
    const { session } = await t.signIn('buyer@acme.test');
    expect(session.needsProfile).toBe(false);
    expect(session.activeProfile?.organization.name).toBe('Acme Corp');
    expect(session.permissions).toContain('orders:read');
  });

  it('a user with several profiles picks one after sign-in', async () => {
    const { session } = await t.signIn('member@acme.test');
    expect(session.needsProfile).toBe(true);
    expect(session.activeProfile).toBeNull();
    expect(session.permissions).toEqual([]);
  });

  it("lists only the caller's own profiles", async () => {
    const member = await t.signIn('member@acme.test');
    const list = await profilesOf(member.token);
    expect(list.map((p) => p.OrganizationName)).toEqual(['Acme Corp', 'Globex Inc']);
    expect(list.every((p) => p.IsOwn && p.UserId === member.session.user?.id)).toBe(true);

    const buyer = await t.signIn('buyer@acme.test');
    expect((await profilesOf(buyer.token)).map((p) => p.OrganizationName)).toEqual(['Acme Corp']);
  });

  it('switching replaces the session: new id and token, same absolute expiry, old one dead', async () => {
    const first = await t.signIn('member@acme.test');
    const globex = (await profilesOf(first.token)).find((p) => p.OrganizationName === 'Globex Inc');
    if (!globex) throw new Error('member@acme.test has no Globex profile');
    const switched = await t.client(first.token).profiles.switchTo(globex.Id);
    expect(switched.session.activeProfile?.organization.name).toBe('Globex Inc');
    expect(switched.session.id).not.toBe(first.session.id);
    expect(switched.token).not.toBe(first.token);
    expect(switched.session.expiresAt).toBe(first.session.expiresAt);
    await expect(t.client(first.token).auth.session()).rejects.toMatchObject({ status: 401 });
    const now = await t.client(switched.token).auth.session();
    expect(now.session.activeProfile?.organization.name).toBe('Globex Inc');
  });

  it('switching to a profile that is not yours is 404, and changes nothing', async () => {
    const owner = await t.signIn('owner@acme.test');
    const ownerProfile = (await profilesOf(owner.token))[0];
    if (!ownerProfile) throw new Error('owner@acme.test has no profile');
    const member = await t.signIn('member@acme.test');
    for (const Id of [ownerProfile.Id, 999_999]) {
      await expect(t.client(member.token).profiles.switchTo(Id)).rejects.toMatchObject({
        status: 404,
        code: 'not_found',
      });
    }
    await expect(t.client(member.token).auth.session()).resolves.toBeDefined();
  });

  it('an id of another JSON type is a 400 and switches nothing: true, [id] and "id" are not ids', async () => {
    const member = await t.signIn('member@acme.test');
    const globex = (await profilesOf(member.token)).find(
      (p) => p.OrganizationName === 'Globex Inc',
    );
    if (!globex) throw new Error('member@acme.test has no Globex profile');
    for (const Id of [true, [globex.Id], String(globex.Id), { valueOf: globex.Id }]) {
      const res = await t.call('PUT', '/api/public/coworkers/profiles/current', {
        body: { Id },
        token: member.token,
      });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'validation_failed' } });
    }
    const still = await t.client(member.token).auth.session();
    expect(still.session.id).toBe(member.session.id);
    expect(still.session.activeProfile).toBeNull();
  });

  it('operators have no customer profiles', async () => {
    const op = await t.signIn('support@onbehalf.test');
    expect(await profilesOf(op.token)).toEqual([]);
    expect(op.session.needsProfile).toBe(false);
    expect(op.session.permissions).toEqual(['users:read', 'users:impersonate', 'audit:read']);
  });
});
