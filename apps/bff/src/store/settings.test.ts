import { describe, expect, it } from 'vitest';
import { settingDefinitions } from '../lib/settings.ts';
import { dialects, freshStore } from './test-stores.ts';

const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

describe.each(dialects)('settings on %s', (dialect) => {
  it('reads the safe defaults where nothing is stored', async () => {
    const { store } = await freshStore(dialect);
    const settings = await store.settings.read();
    expect(settings.operatorImpersonation).toEqual(
      settingDefinitions['impersonation.operator'].defaults,
    );
    expect(settings.selfServiceLinks).toEqual({ enabled: true });
  });

  it('an update writes every setting and its audit event in one command', async () => {
    const { store } = await freshStore(dialect);
    const before = await store.settings.read();
    const next = {
      ...before,
      operatorImpersonation: { enabled: true, maxMinutes: 30 },
      loginTokens: { maxDays: 7 },
    };
    await store.settings.update({
      before,
      next,
      endOperatorImpersonations: false,
      shortenOperatorTo: null,
      audit: { type: 'settings.changed', at: 1000, details: { scope: 'global' } },
      now: 1000,
      meta,
    });
    expect(await store.settings.read()).toEqual(next);
  });

  it('an update of settings no longer as read writes nothing: a door closed meanwhile stays closed', async () => {
    const { store } = await freshStore(dialect);
    const open = await store.settings.update({
      before: await store.settings.read(),
      next: {
        ...(await store.settings.read()),
        operatorImpersonation: { enabled: true, maxMinutes: 60 },
      },
      endOperatorImpersonations: false,
      shortenOperatorTo: null,
      audit: { type: 'settings.changed', at: 1000, details: { scope: 'global' } },
      now: 1000,
      meta,
    });
    expect(open).toBe('done');
    const asRead = await store.settings.read();
    const change = (next: typeof asRead) =>
      store.settings.update({
        before: asRead,
        next,
        endOperatorImpersonations: false,
        shortenOperatorTo: null,
        audit: { type: 'settings.changed', at: 2000, details: { scope: 'global' } },
        now: 2000,
        meta,
      });
    const closed = { ...asRead, operatorImpersonation: { enabled: false, maxMinutes: 60 } };
    expect(await change(closed)).toBe('done');
    expect(await change({ ...asRead, selfServiceLinks: { enabled: false } })).toBe('lost_race');
    expect(await store.settings.read()).toEqual(closed);
  });
});
