import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

type Profile = { Id: number; OrganizationName: string; IsOwn: boolean; UserId: number };

async function profilesOf(token: string): Promise<Profile[]> {
  const res = await t.call('GET', '/api/public/coworkers/profiles', { token });
  expect(res.status).toBe(200);
  return res.json.Profiles;
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
    const res = await t.call('PUT', '/api/public/coworkers/profiles/current', {
      token: first.token,
      body: { Id: globex?.Id },
    });
    expect(res.status).toBe(200);
    expect(res.json.session.activeProfile.organization.name).toBe('Globex Inc');
    expect(res.json.session.id).not.toBe(first.session.id);
    expect(res.json.token).not.toBe(first.token);
    expect(res.json.session.expiresAt).toBe(first.session.expiresAt);
    expect((await t.call('GET', '/api/public/auth/session', { token: first.token })).status).toBe(
      401,
    );
    const now = await t.call('GET', '/api/public/auth/session', { token: res.json.token });
    expect(now.json.session.activeProfile.organization.name).toBe('Globex Inc');
  });

  it('switching to a profile that is not yours is 404, and changes nothing', async () => {
    const owner = await t.signIn('owner@acme.test');
    const ownerProfile = (await profilesOf(owner.token))[0];
    const member = await t.signIn('member@acme.test');
    for (const Id of [ownerProfile?.Id, 999_999]) {
      const res = await t.call('PUT', '/api/public/coworkers/profiles/current', {
        token: member.token,
        body: { Id },
      });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect((await t.call('GET', '/api/public/auth/session', { token: member.token })).status).toBe(
      200,
    );
  });

  it('operators have no customer profiles', async () => {
    const op = await t.signIn('support@onbehalf.test');
    expect(await profilesOf(op.token)).toEqual([]);
    expect(op.session.needsProfile).toBe(false);
    expect(op.session.permissions).toEqual(['users:read', 'users:impersonate', 'audit:read']);
  });
});
