import { defineConfig } from 'vitest/config';

/**
 * Two groups. Unit and integration tests run in parallel first; then the load-bearing interop runs (SIPp at
 * hundreds of calls per second, with and without packet loss) run one file at a time, so that on a 2-core
 * machine they measure our stack, not contention with the rest of the suite.
 */
const INTEROP = ['packages/*/test/**/*interop*.test.ts', 'sim/test/**/*interop*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/test/**/*.test.ts', 'sim/test/**/*.test.ts'], exclude: INTEROP, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'interop', include: INTEROP, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
