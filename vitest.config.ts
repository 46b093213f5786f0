import { defineConfig } from 'vitest/config';

// Every workspace package brings its own vitest config; this file only lists them.
export default defineConfig({
  test: {
    // edge-api has a second project: its Node-side tests (the worker tests run in workerd).
    projects: ['packages/*', 'apps/*', 'apps/edge-api/vitest.node.config.ts', 'scripts'],
  },
});
