import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/**
 * The system Chromium (Debian's, or CHROMIUM_PATH) when there is one; otherwise Playwright's
 * own browser, for a laptop that ran `playwright install`.
 */
const systemChromium =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: './specs',
  // Starts the built BFF (serving the built portal) on a free port with a fresh data dir.
  globalSetup: './global-setup.ts',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    // Set by global-setup; workers start after it and inherit the environment.
    baseURL: process.env.E2E_BASE_URL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: systemChromium
          ? {
              executablePath: systemChromium,
              args: [
                '--no-sandbox',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
                '--no-first-run',
                '--disable-gpu',
              ],
            }
          : {},
      },
    },
  ],
});
