import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/reliability/summary.ts', 'test/conformance/global-setup.ts'],
    // Generous: a scenario test that takes 10 s alone may take three times that on a busy machine;
    // a timeout is a bound against hangs, never a measurement.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Scenario tests start servers and git repos; a little parallelism keeps the suite fast on 2 cores.
    maxWorkers: 3,
  },
});
