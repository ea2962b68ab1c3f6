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
      next,
      endOperatorImpersonations: false,
      shortenOperatorTo: null,
      audit: { type: 'settings.changed', at: 1000, details: { scope: 'global' } },
      now: 1000,
      meta,
    });
    expect(await store.settings.read()).toEqual(next);
  });
});
