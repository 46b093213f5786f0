import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'trainer',
    include: ['test/**/*.test.ts'],
    // Training tests are CPU-bound; on 2 cores running files in parallel only slows each down.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
