import { defineConfig } from '@playwright/test';

/**
 * Run by specs/kit-artifacts.spec.ts, never on its own: a suite on the kit that keeps every
 * trace and an HTML report, as a customer's CI may, written where that spec reads them.
 */
const out = process.env.KIT_ARTIFACTS ?? 'test-results/kit-traced';
export default defineConfig({
  testDir: '.',
  testMatch: '*.child.ts',
  outputDir: `${out}/results`,
  reporter: [['html', { open: 'never', outputFolder: `${out}/report` }]],
  use: { baseURL: process.env.E2E_BASE_URL, trace: 'on' },
});
