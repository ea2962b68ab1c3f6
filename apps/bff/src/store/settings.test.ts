import { describe, expect, it } from 'vitest';
import { settingDefinitions } from '../lib/settings.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, insertRow, linked } from './test-rows.ts';
import { dialects, freshStore } from './test-stores.ts';

const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

describe.each(dialects)('settings on %s', (dialect) => {
  it('reads the safe defaults where nothing is stored', async () => {
    const { store } = await freshStore(dialect);
    // Written out, not read from the definitions: a default changed there must fail here.
    expect(await store.settings.read()).toEqual({
      operatorImpersonation: { enabled: false, maxMinutes: 60 },
      oneClick: { defaultMinutes: 15, maxMinutes: 60 },
      loginTokens: { maxDays: 90 },
      selfServiceLinks: { enabled: true },
    });
  });

  it('reads a stored value it no longer takes as the safe default, never as stored', async () => {
    const ts = await freshStore(dialect);
    // Past the limits, or of another shape: written by hand, or by another version.
    const stored = [
      ['impersonation.operator', { enabled: true, maxMinutes: 600 }],
      ['one_click', { defaultMinutes: 15, maxMinutes: 7 * 24 * 60 }],
      ['login_tokens', { maxDays: 3650 }],
      ['self_service_links', { enabled: 'yes' }],
    ] as const;
    for (const [key, value] of stored) {
      await insertRow(ts, 'settings', { key, value, updatedAt: 1000 });
    }
    const settings = await ts.store.settings.read();
    expect(settings).toEqual({
      operatorImpersonation: settingDefinitions['impersonation.operator'].defaults,
      oneClick: settingDefinitions.one_click.defaults,
      loginTokens: settingDefinitions.login_tokens.defaults,
      selfServiceLinks: settingDefinitions.self_service_links.defaults,
    });
    expect(settings.operatorImpersonation.enabled).toBe(false);
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

describe('settings on several PostgreSQL processes', () => {
  it('of concurrent changes from one reading exactly one is written, and audited once', async () => {
    const ts = await freshStore('postgres');
    const before = await ts.store.settings.read();
    // Eight changes of different settings, each from the same reading, on four processes. Each
    // differs from what was read: one that wrote the same values would leave the settings as
    // read, and the change after it would rightly win too.
    const operator = before.operatorImpersonation;
    const changes = [
      { operatorImpersonation: { ...operator, enabled: !operator.enabled } },
      { operatorImpersonation: { ...operator, maxMinutes: operator.maxMinutes === 30 ? 45 : 30 } },
      { selfServiceLinks: { enabled: !before.selfServiceLinks.enabled } },
      { loginTokens: { maxDays: before.loginTokens.maxDays === 7 ? 14 : 7 } },
    ];
    const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
      Promise.all(
        [...stores, ...stores].map((store, i) =>
          store.settings.update({
            before,
            next: { ...before, ...changes[i % changes.length] },
            endOperatorImpersonations: false,
            shortenOperatorTo: null,
            audit: { type: 'settings.changed', at: 1000, details: { scope: 'global', i } },
            now: 1000,
            meta,
          }),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'done')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'lost_race')).toHaveLength(7);
    const winner = outcomes.indexOf('done');
    expect(await ts.store.settings.read()).toEqual({
      ...before,
      ...changes[winner % changes.length],
    });
    const trail = await auditTrail(ts);
    expect(trail.filter((event) => event.type === 'settings.changed')).toHaveLength(1);
    expect(linked(trail)).toBe(true);
  });
});
