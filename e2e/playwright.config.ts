import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/**
 * The system Chromium (Debian's, or CHROMIUM_PATH) when there is one; otherwise Playwright's
 * own browser, for a laptop that ran `playwright install`.
 */
const systemChromium =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

const desktopChromium = {
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
};

/** Switches Acme Corp's team door off for a moment (see the "team-door" project). */
const TEAM_DOOR_SPEC = /team-door\.spec\.ts$/;

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
      // The team-door spec switches a setting other specs rely on: it runs on its own, last.
      testIgnore: TEAM_DOOR_SPEC,
      use: desktopChromium,
    },
    {
      // Starts only when every test of the main project has finished (and only if they all
      // passed), so nothing impersonates through Acme's team door while it is switched off.
      name: 'team-door',
      testMatch: TEAM_DOOR_SPEC,
      dependencies: ['chromium'],
      use: desktopChromium,
    },
  ],
});
