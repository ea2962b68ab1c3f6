import { defineConfig, devices } from '@playwright/test';

/**
 * Against any onbehalf server in test mode: E2E_BASE_URL=https://staging.example pnpm test
 * (once per machine, `pnpm exec playwright install chromium` fetches the browser).
 */
export default defineConfig({
  testDir: '.',
  use: { baseURL: process.env.E2E_BASE_URL ?? 'http://localhost:3000' },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
});
