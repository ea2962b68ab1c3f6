import { gzipSync } from 'node:zlib';
import { LIMITS } from '@onbehalf/bench/targets';
import { expect, test } from '../fixtures/test.ts';

// The portal's first load is the scripts its page names; every page is loaded on demand after
// it. `pnpm bench` reports their size against its budget; this keeps a change that pulls a
// page's weight (the API client, the route table, zod) into the first chunk from landing.
test('the portal’s first load stays within the initial-JS budget (gzip)', async ({ request }) => {
  const page = await request.get('/');
  expect(page.status()).toBe(200);
  const scripts = [...(await page.text()).matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map(
    ([, path]) => path ?? '',
  );
  expect(scripts.length).toBeGreaterThan(0);
  let gzipped = 0;
  for (const path of scripts) {
    const script = await request.get(path);
    expect(script.status()).toBe(200);
    gzipped += gzipSync(await script.body()).length;
  }
  expect(gzipped / 1024).toBeLessThanOrEqual(LIMITS.initialJsGzipKB);
});
