import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'modelkit', include: ['test/**/*.test.ts'] },
});
