import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // The package test packs, installs and runs the client against `wrangler dev`.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
