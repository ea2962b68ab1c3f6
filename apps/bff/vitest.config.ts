import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each test file opens its own database; files run in parallel workers.
    pool: 'forks',
  },
});
