import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each test file opens its own database; files run in parallel workers.
    pool: 'forks',
    // Sign-ins hash with argon2id on purpose: a file of them takes seconds on a busy 2-core
    // machine, which is load, not a hang.
    testTimeout: 20_000,
  },
});
