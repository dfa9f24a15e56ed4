import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/reliability/summary.ts', 'test/conformance/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Scenario tests start servers and git repos; a little parallelism keeps the suite fast on 2 cores.
    maxWorkers: 3,
  },
});
