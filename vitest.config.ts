import { defineConfig } from 'vitest/config';

// Every workspace package brings its own vitest config; this file only lists them.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
