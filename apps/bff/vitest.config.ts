import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** The suites whose tests drive the whole app through the harness (test/harness.ts). */
const appSuites = [
  'src/features/**/*.test.ts',
  'src/middleware/**/*.test.ts',
  'src/acting-for-someone.test.ts',
  'src/app.test.ts',
  'src/route-table.test.ts',
  'src/odd-input.test.ts',
];

const shared = {
  // Each test file opens its own database; files run in parallel workers.
  pool: 'forks' as const,
  // Files of a worker share its module cache: importing the app once per worker, not per file,
  // took the suite from 425 s to about 295 s on our 2-core machines. What the app keeps in a
  // module is process-wide by design (the password hashes' queue and decoy); a test that needs
  // it fresh imports its own (lib/passwords.test.ts). What a file opens through the test
  // helpers is closed after it (test/file-cleanup.ts, by the setup file below).
  isolate: false,
  setupFiles: ['src/test/per-file-setup.ts'],
  // Sign-ins hash with argon2id on purpose: a file of them takes seconds on a busy 2-core
  // machine, which is load, not a hang.
  testTimeout: 20_000,
};

export default defineConfig({
  test: {
    // Vitest's default, a worker per core but one, is a single worker on our 2-core machines:
    // file after file, while most files spend their time waiting on PostgreSQL, child processes
    // and timers. Two there ran the suite in 397 s against 522 s (three: 418 s, and a test
    // starved past its bound).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          ...shared,
          name: 'sqlite',
          include: ['src/**/*.test.ts'],
          // Where the tests that start the server or the command line bundle them (test/bundled.ts),
          // and the PostgreSQL server the stores' own tests make their databases on.
          globalSetup: ['src/test/bundles-setup.ts', 'src/test/postgres-setup.ts'],
        },
      },
      {
        // The same app suites on PostgreSQL (SPEC §11): one server for the run, a database per
        // app. What only SQLite has (its query plans, triggers, files) is in *.sqlite.test.ts.
        test: {
          ...shared,
          name: 'postgres',
          include: appSuites,
          exclude: ['**/*.sqlite.test.ts', '**/node_modules/**'],
          env: { ONBEHALF_TEST_DB: 'postgres' },
          globalSetup: ['src/test/postgres-setup.ts'],
        },
      },
    ],
  },
});
