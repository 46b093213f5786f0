/** The dry-run build (run by test/global-setup.ts in Node) bundles the worker, its WASM and models. */
import { expect, inject, it } from 'vitest';

// Workers' limit on the uncompressed bundle, on every plan.
const WORKER_SIZE_LIMIT = 64 * 1024 * 1024;

it('wrangler deploy --dry-run succeeds and the bundle fits', () => {
  const build = inject('build');
  expect(build.ok, build.log).toBe(true);
  console.log(`bundle: ${build.summary}; files: ${JSON.stringify(build.files)}`);
  expect(build.summary).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
  expect(build.bytes).toBeLessThan(WORKER_SIZE_LIMIT);
  const names = Object.keys(build.files);
  expect(names.some((n) => n.endsWith('ort-wasm-simd-threaded.wasm'))).toBe(true);
  // 13 of the manifest's 19 files: models with an encoder and a decoder reconstruct through them.
  expect(names.filter((n) => n.endsWith('.onnx'))).toHaveLength(13);
  // The browser's float16 variants (models/*.fp16.onnx) stay out: the edge serves float32.
  expect(names.filter((n) => n.includes('.fp16.'))).toEqual([]);
});
