import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig, type Plugin } from 'vitest/config';

const modelsDir = fileURLToPath(new URL('../../models', import.meta.url));
const bindingFor = (file: string) => `TEST_MODULE_${file.replace(/\W/g, '_')}`;
// The browser's float16 variants (*.fp16.onnx) are never imported by the worker: no binding for them.
const onnxFiles = readdirSync(modelsDir).filter((f) => f.endsWith('.onnx') && !f.endsWith('.fp16.onnx'));

/**
 * The pool serves binary module imports to workerd as JSON arrays of numbers: 15–50 s per test file for
 * ort's 14 MB WASM and 9 MB of models together. Here the `.onnx` imports resolve to workerd data
 * bindings instead: the same bytes as the same ArrayBuffers that wrangler's Data rule produces, loaded
 * natively. Worker code is unchanged; only where the bytes come from differs. (The WASM cannot take
 * this route: workerd refuses Wasm bindings in module workers, hence `isolate: false` below.)
 */
const binaryModulesAsBindings: Plugin = {
  name: 'edge-api:binary-modules-as-bindings',
  enforce: 'pre',
  resolveId(source) {
    if (source.endsWith('.onnx')) return `\0binding:${bindingFor(basename(source))}`;
    return undefined;
  },
  load(id) {
    if (!id.startsWith('\0binding:')) return undefined;
    return `import { env } from 'cloudflare:workers';\nexport default env.${id.slice('\0binding:'.length)};\n`;
  },
};

export default defineConfig({
  plugins: [
    binaryModulesAsBindings,
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        dataBlobBindings: Object.fromEntries(onnxFiles.map((f) => [bindingFor(f), join(modelsDir, f)])),
        // The suite sends hundreds of requests from one address: the deployed limit would trip.
        // test/owner.test.ts hands the app TIGHT_LIMITER (three a minute) to see the limit work.
        ratelimits: {
          RATE_LIMITER: { namespace_id: '1', simple: { limit: 1_000_000, period: 60 } },
          TIGHT_LIMITER: { namespace_id: '2', simple: { limit: 3, period: 60 } },
        },
        bindings: { REQUEST_LOGS: 'off' },
      },
    }),
  ],
  test: {
    name: 'edge-api',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    // One isolate for every file: ort's 14 MB WASM reaches workerd as a JSON byte array through the
    // pool's module fallback (10–20 s), and should be paid once per run, not once per file.
    isolate: false,
  },
});
