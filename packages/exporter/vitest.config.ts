import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'exporter',
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
