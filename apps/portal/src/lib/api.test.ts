import { SHOWN_SESSION_HEADER } from '@onbehalf/contracts/headers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readShownSessionFrom } from './shown-session.ts';

// The client binds `fetch` when it is made: stand in for it before the module loads.
const fetchMock = vi.fn(
  async (_url: string, _init?: RequestInit) =>
    new Response(JSON.stringify({ orders: [], nextCursor: null }), { status: 200 }),
);
let api: typeof import('./api.ts');
beforeAll(async () => {
  vi.stubGlobal('fetch', fetchMock);
  api = await import('./api.ts');
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const sentHeaders = () => new Headers(fetchMock.mock.lastCall?.[1]?.headers);

describe('the portal’s API client', () => {
  it('says which session the page shows, so another tab’s sign-in cannot take over its writes', async () => {
    let shown: string | undefined = 'session-acme';
    readShownSessionFrom(() => shown);
    await api.api.orders.place({ sku: 'PAPER-A4', quantity: 1 });
    expect(sentHeaders().get(SHOWN_SESSION_HEADER)).toBe('session-acme');

    // The page caught up with another session: the next request says so.
    shown = 'session-globex';
    await api.api.orders.list();
    expect(sentHeaders().get(SHOWN_SESSION_HEADER)).toBe('session-globex');
  });

  it('says nothing while no session is loaded (signing in)', async () => {
    readShownSessionFrom(() => undefined);
    await api.api.orders.list();
    expect(sentHeaders().has(SHOWN_SESSION_HEADER)).toBe(false);
  });
});
