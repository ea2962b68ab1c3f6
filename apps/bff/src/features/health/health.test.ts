import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';

describe('GET /api/health/ready', () => {
  it('is 200 when the database answers and every bundled migration is applied', async () => {
    const t = await createTestApp();
    expect(await t.client().call('health.ready')).toEqual({ ok: true });
  });
});
