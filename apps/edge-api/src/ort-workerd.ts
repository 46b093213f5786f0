/**
 * onnxruntime-web inside workerd. The only file that knows about the hack below; keep it that way.
 *
 * Why a hack at all: Workers forbid compiling WebAssembly from bytes at run time ("Wasm code generation
 * disallowed by embedder"), and ort-web 1.30 has no option that takes an already compiled module
 * (`env.wasm.wasmBinary` must be bytes, a Module fails with "BufferSource argument is empty"). What
 * Workers do allow is importing a `.wasm` file, which wrangler uploads as a module workerd compiles
 * ahead of time. So: import ort's WASM that way, give ort a one-byte dummy `wasmBinary` so its
 * Emscripten loader skips fetching and calls `WebAssembly.instantiate(bytes, imports)`, and for that
 * one call swap in the precompiled module.
 *
 * It relies on ort's loader internals (ort issues #21430, #20876, #27110): onnxruntime-web is pinned to
 * 1.30.0 and the worker tests are the canary for any upgrade.
 */

import type { OrtLike } from '@autoencoders/modelkit';
import type { InferenceSession } from 'onnxruntime-web';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import * as ort from 'onnxruntime-web/wasm';

// Workers have no threads to give ort's pthread pool and no script URL for a proxy worker to load.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
// Non-empty so that ort's loader takes the "instantiate these bytes" path, which the wrapper answers.
ort.env.wasm.wasmBinary = new Uint8Array([0]);

let queue: Promise<unknown> = Promise.resolve();

/**
 * `InferenceSession.create` with the instantiate wrapper in place. Creations are serialised so that
 * two concurrent requests cannot interleave wrapping and restoring the global.
 */
function create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> {
  const run = queue.then(async () => {
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (async (source: unknown, imports?: WebAssembly.Imports) => {
      if (source instanceof WebAssembly.Module) return instantiate(source, imports);
      const instance = await instantiate(ortWasm, imports);
      return { instance, module: ortWasm };
    }) as typeof WebAssembly.instantiate;
    try {
      return await ort.InferenceSession.create(model, options ?? {});
    } finally {
      WebAssembly.instantiate = instantiate;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** The `ort` namespace ModelRunner expects, creating sessions the way workerd allows. */
export const workerdOrt: OrtLike = {
  Tensor: ort.Tensor,
  InferenceSession: { create },
};
