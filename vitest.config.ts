import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // Generous: many tests start real ledger processes, and a loaded machine must make them slow, never red.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Most test files wait on real processes, sockets and databases rather than compute: two at a time on a
    // 2-core machine halves the suite's time (vitest's default would be one worker there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    setupFiles: ['test/setup/fast-check.ts'],
    globalSetup: ['test/setup/ledger-bundle.ts'],
  },
});
