import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'web-demo',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Builds the page and serves it with `vite preview` for the browser tests.
    globalSetup: ['test/global-setup.ts'],
    // One headless Chromium at a time: on 2 cores, parallel browsers only slow each other down.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
