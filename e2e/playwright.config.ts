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

export default defineConfig({
  // Starts our server in test mode on a free port with a temporary data dir, unless
  // E2E_BASE_URL names one to run against (which must be in test mode).
  globalSetup: './global-setup.ts',
  // Every test makes the organization it changes and moves only its own clock: nothing is
  // shared, so tests of one file run in parallel too.
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  // On CI, a test that fails is run once more and, if it then passes, is reported as flaky
  // (the list names it) rather than failing the whole run: a flake is a defect to fix, found
  // in the report, not a reason to keep everything else from landing. Locally, never.
  retries: process.env.CI ? 1 : 0,
  // Tests share no data, so any test may run beside any other; on 2 cores, 4 workers keep the
  // CPU busy while some tests wait on the server or the browser.
  workers: 4,
  // A whole test's bound only catches a hang; each step has its own (`expect` below). Beside
  // three others on 2 cores, the longest flows take four times what they take alone (one of
  // the login-token flows: 8 s alone, 32 s in the suite), so the bound leaves room for that.
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    // Set by global-setup when it starts the server; workers start after it and inherit it.
    baseURL: process.env.E2E_BASE_URL,
    // A failed test keeps its trace: every action with the page as it was (DOM snapshots),
    // the network and the console. Not the screencast: recording frames for every test, failed
    // or not, cost more than a tenth of the suite's CPU.
    trace: { mode: 'retain-on-failure', screenshots: false },
  },
  projects: [
    {
      // The customer-facing example: a spec that imports only @onbehalf/testing, run here so
      // CI proves the kit works as published against a server in test mode. Listed first so
      // its worker starts with the others instead of after them.
      name: 'qa-kit',
      testDir: '../examples/qa-kit',
      use: desktopChromium,
    },
    { name: 'chromium', testDir: './specs', use: desktopChromium },
  ],
});
