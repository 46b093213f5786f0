import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The PNG and inflate suites decode thousands of generated images: a few seconds on an idle core,
  // longer on a busy one. The timeout only guards against a hang; the bomb tests bound time themselves.
  test: { name: 'modelkit', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
