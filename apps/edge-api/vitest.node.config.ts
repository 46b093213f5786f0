import { defineConfig } from 'vitest/config';

/**
 * The edge API's tests that run in Node rather than workerd: the contract file (generated and linted)
 * and /docs in a browser against `wrangler dev`. vitest.config.ts holds the worker tests.
 */
export default defineConfig({
  test: {
    name: 'edge-api-node',
    include: ['test-node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
