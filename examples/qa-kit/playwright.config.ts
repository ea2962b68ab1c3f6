import { defineConfig } from '@playwright/test';

/** Against any onbehalf server in test mode: E2E_BASE_URL=https://staging.example pnpm test */
export default defineConfig({
  testDir: '.',
  use: { baseURL: process.env.E2E_BASE_URL ?? 'http://localhost:3000' },
});
