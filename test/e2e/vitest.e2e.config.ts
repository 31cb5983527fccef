// Browser end-to-end tests through web mode (real `lathe serve` + Debian Chromium), one file at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file starts its own server and browser; running them side by side on 2 cores only makes timeouts flaky.
    fileParallelism: false,
    maxWorkers: 1,
  },
});
