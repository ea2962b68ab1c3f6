import { SHOWN_SESSION_HEADER } from '@onbehalf/contracts/headers';
import { type RouteContract, routes } from '@onbehalf/contracts/routes';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsWhere } from './store/test-rows.ts';
import { createTestApp, demoIds, ORIGIN, type TestApp } from './test/harness.ts';

/**
 * SPEC §4 rule 8, §4b: what a session acting for someone else may not do is declared once, in
 * the route table (`actingForSomeone`), and every route so marked refuses it, whichever
 * permissions the person acted as holds.
 */

let t: TestApp;
let impersonating: string;
let integration: string;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: false });
  const ids = demoIds(t);
  // A team admin acting as a member (team door).
  const admin = (await t.signIn('admin@acme.test')).token;
  const { token: handoff } = await t
    .client(admin)
    .impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'Checking the basket');
  impersonating = (await t.client(admin).impersonation.exchange(handoff)).token ?? '';
  // A session an integration's login token opened (Acme allows integrations).
  const ops = (await t.signIn('ops@onbehalf.test')).token;
  const { token } = await t.client(ops).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId('member@acme.test') },
    expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    use: 'integration',
  });
  integration = (await t.client().links.redeemLoginToken(token)).token ?? '';
  expect(impersonating).not.toBe('');
  expect(integration).not.toBe('');
});

const marked = (flag: RouteContract['actingForSomeone']) =>
  Object.entries(routes as Record<string, RouteContract>).filter(
    ([, route]) => route.actingForSomeone === flag,
  );

/** Any path parameter is 1: the refusal comes before anything is looked up or validated. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, '1');

async function answer(route: RouteContract, token: string) {
  return t.call(route.method.toUpperCase(), concrete(route.path), {
    token,
    ...(route.body ? { body: {} } : {}),
  });
}

describe('routes marked "refused" are a person’s own, in their own session', () => {
  it('the table marks the sensitive actions', () => {
    const names = marked('refused').map(([name]) => name);
    for (const name of [
      'account.changePassword',
      'account.setImpersonationPreference',
      'account.revokeCredential',
      'account.accessHistory',
      'account.integrationAccess',
      'auth.revokeSession',
      'apiKeys.create',
      'loginTokens.create',
      'sys.oneClickLink',
      'sys.updateSettings',
      'team.updateMember',
      'team.updateSettings',
      'audit.list',
      'audit.teamExport',
      'profiles.switchTo',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('every one refuses an impersonation session: 403 impersonation_restricted', async () => {
    for (const [name, route] of marked('refused')) {
      const res = await answer(route, impersonating);
      expect([res.status, res.error?.code], name).toEqual([403, 'impersonation_restricted']);
    }
  });

  it('every one refuses a session an integration’s credential opened: 403 integration_restricted', async () => {
    for (const [name, route] of marked('refused')) {
      const res = await answer(route, integration);
      expect([res.status, res.error?.code], name).toEqual([403, 'integration_restricted']);
    }
  });
});

describe('routes marked "refusedWhileImpersonating": a sign-in or a link never stacks on an impersonation', () => {
  it('sign-in, and both kinds of link, are refused while impersonating', async () => {
    const names = marked('refusedWhileImpersonating').map(([name]) => name);
    expect(names.sort()).toEqual(['auth.signIn', 'links.redeemLoginToken', 'links.redeemOneClick']);
    for (const [name, route] of marked('refusedWhileImpersonating')) {
      const res = await answer(route, impersonating);
      expect([res.status, res.error?.code], name).toEqual([403, 'impersonation_restricted']);
    }
  });
});

describe('a request sent from an impersonation that has ended (the browser still sends its cookie)', () => {
  let ended: TestApp;
  let cookie: string;
  beforeAll(async () => {
    ended = await createTestApp({ rateLimits: false });
    const ids = demoIds(ended);
    const admin = (await ended.signIn('admin@acme.test')).token;
    const { token: handoff } = await ended
      .client(admin)
      .impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'Checking the basket');
    const imp = (await ended.client(admin).impersonation.exchange(handoff)).token ?? '';
    expect(imp).not.toBe('');
    ended.clock.advance(61 * 60_000);
    cookie = `ob_session=${admin}; ob_impersonation=${imp}`;
  });

  const all = Object.entries(routes as Record<string, RouteContract>);
  /** Not a route that needs a caller, or one the table sends on in the person's own session. */
  const goesOn = (route: RouteContract) =>
    route.afterImpersonationEnds === 'ownSession' ||
    (route.afterImpersonationEnds === undefined &&
      (route.method === 'get' || !route.errors.includes(401)));

  async function sent(route: RouteContract) {
    return ended.call(route.method.toUpperCase(), concrete(route.path), {
      cookie,
      headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
      ...(route.body ? { body: {} } : {}),
    });
  }

  it('the reads that hand out a credential are marked, as well as every write', () => {
    const refusedReads = all
      .filter(([, route]) => route.method === 'get' && route.afterImpersonationEnds === 'refused')
      .map(([name]) => name);
    expect(refusedReads.sort()).toEqual([
      'auth.jwt',
      'impersonation.operatorHandoff',
      'impersonation.teamHandoff',
    ]);
  });

  it('every route refused after the end answers 401 impersonation_ended, not as the actor', async () => {
    const refused = all.filter(([, route]) => !goesOn(route));
    expect(refused.length).toBeGreaterThan(20);
    for (const [name, route] of refused) {
      const res = await sent(route);
      expect([res.status, res.error?.code], name).toEqual([401, 'impersonation_ended']);
    }
  });

  it('the others go on in the person’s own session', async () => {
    for (const name of ['auth.session', 'orders.list', 'team.members', 'auth.signOut'] as const) {
      const res = await sent(routes[name] as RouteContract);
      expect([name, res.error?.code ?? null]).toEqual([name, null]);
    }
  });
});

describe('a request sent by a page that shows another session than the cookie holds (another tab changed it)', () => {
  let tabs: TestApp;
  let ids: ReturnType<typeof demoIds>;
  beforeAll(async () => {
    tabs = await createTestApp({ rateLimits: false });
    ids = demoIds(tabs);
  });

  const sameOrigin = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
  const order = { sku: 'PAPER-A4', quantity: 3 };
  const ordersPlaced = async () =>
    (await rowsWhere(tabs.ts, 'auditEvents', { type: 'order.placed' })).length;

  /** Acme's team admin, with an impersonation of the buyer started in a second tab. */
  async function adminActingAsBuyer() {
    const admin = await tabs.signIn('admin@acme.test');
    const { token: handoff } = await tabs
      .client(admin.token)
      .impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'Checking the basket');
    const imp = await tabs.client(admin.token).impersonation.exchange(handoff);
    return { admin, imp, cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}` };
  }

  function placeOrder(cookie: string, shown?: string) {
    return tabs.call('POST', '/api/public/orders', {
      cookie,
      headers: { ...sameOrigin, ...(shown ? { [SHOWN_SESSION_HEADER]: shown } : {}) },
      body: order,
    });
  }

  it('a tab still showing the admin’s own view (no banner) does not place the order as the member another tab now acts as', async () => {
    const { admin, imp, cookie } = await adminActingAsBuyer();
    const before = await ordersPlaced();
    const res = await placeOrder(cookie, admin.session.id);
    expect([res.status, res.error?.code]).toEqual([401, 'session_changed']);
    expect(await ordersPlaced()).toBe(before);
    // The tab that shows the impersonation (its banner) places it, as the buyer.
    expect((await placeOrder(cookie, imp.session.id)).status).toBe(201);
  });

  it('a tab still showing the banner does not place the order as the admin once another tab left', async () => {
    const { admin, imp, cookie } = await adminActingAsBuyer();
    await tabs.call('POST', '/api/public/auth/impersonation/leave', {
      cookie,
      headers: sameOrigin,
    });
    const before = await ordersPlaced();
    // The browser dropped the impersonation's cookie: only the admin's own is left.
    const res = await placeOrder(`ob_session=${admin.token}`, imp.session.id);
    expect([res.status, res.error?.code]).toEqual([401, 'session_changed']);
    expect(await ordersPlaced()).toBe(before);
  });

  it('a bearer request is not judged by the header: its token names the session it acts in', async () => {
    const { admin, imp } = await adminActingAsBuyer();
    const before = await ordersPlaced();
    const res = await tabs.call('POST', '/api/public/orders', {
      token: imp.token,
      headers: { [SHOWN_SESSION_HEADER]: admin.session.id },
      body: order,
    });
    expect(res.status).toBe(201);
    expect(await ordersPlaced()).toBe(before + 1);
  });

  it('a tab still showing one organization does not place the order in the one another tab switched to', async () => {
    const acme = await tabs.signInAs('member@acme.test', 'Acme Corp');
    const globex = await tabs.signInAs('member@acme.test', 'Globex Inc');
    const before = await ordersPlaced();
    const res = await placeOrder(`ob_session=${globex.token}`, acme.session.id);
    expect([res.status, res.error?.code]).toEqual([401, 'session_changed']);
    expect(await ordersPlaced()).toBe(before);
  });

  it('every route refused after an impersonation ends is refused so; the others go on', async () => {
    const { admin, cookie } = await adminActingAsBuyer();
    const headers = { ...sameOrigin, [SHOWN_SESSION_HEADER]: admin.session.id };
    const all = Object.entries(routes as Record<string, RouteContract>);
    const refused = all.filter(
      ([, route]) =>
        route.afterImpersonationEnds === 'refused' ||
        (route.afterImpersonationEnds === undefined &&
          route.method !== 'get' &&
          route.errors.includes(401)),
    );
    expect(refused.length).toBeGreaterThan(20);
    for (const [name, route] of refused) {
      const res = await tabs.call(route.method.toUpperCase(), concrete(route.path), {
        cookie,
        headers,
        ...(route.body ? { body: {} } : {}),
      });
      expect([res.status, res.error?.code], name).toEqual([401, 'session_changed']);
    }
    // Reads go on (the page learns who is signed in from the first), and so does leaving.
    for (const name of ['auth.session', 'orders.list', 'impersonation.leave'] as const) {
      const route = routes[name] as RouteContract;
      const res = await tabs.call(route.method.toUpperCase(), route.path, { cookie, headers });
      expect([name, res.error?.code ?? null]).toEqual([name, null]);
    }
  });

  it('a request that does not say which session it shows (an API client) is not judged', async () => {
    const { cookie } = await adminActingAsBuyer();
    expect((await placeOrder(cookie)).status).toBe(201);
  });
});
