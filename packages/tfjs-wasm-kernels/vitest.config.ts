import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'tfjs-wasm-kernels',
    include: ['test/**/*.test.ts'],
    // CPU-bound parity tests; on 2 cores running files in parallel only slows each down.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
