/**
 * The page's models: modelkit's shared ModelRunner (the edge API runs the same one) over the loaded
 * onnxruntime-web build, fetching each file next to the manifest.
 */
import { type Manifest, type ModelId, ModelRunner, type OrtLike } from '@autoencoders/modelkit';
import type { OrtNamespace, Provider } from './ort-runtime.ts';

export function createRunner(ort: OrtNamespace, manifest: Manifest, modelsUrl: string, provider: Provider) {
  return new ModelRunner({
    manifest,
    // ort's own typings are wider than the structural subset modelkit asks for.
    ort: ort as unknown as OrtLike,
    getFile: async (file) => {
      const response = await fetch(new URL(file.path, modelsUrl));
      if (!response.ok) throw new Error(`${file.path}: HTTP ${response.status}`);
      return response.arrayBuffer();
    },
    // Severity 3 (errors only): ort's warnings about nodes it keeps on the CPU would otherwise reach the
    // console as errors, through the wasm module's stderr.
    sessionOptions: { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 },
    // Web Crypto exists only in secure contexts: a phone opening the dev server by its LAN address
    // (plain http) has none. The build checks every file against the manifest anyway.
    verify: globalThis.crypto?.subtle !== undefined,
  });
}

export interface Timed<T> {
  value: T;
  /** Milliseconds from the call to its result, waiting for earlier calls excluded. */
  ms: number;
}

type Runner = ReturnType<typeof createRunner>;

/**
 * One call at a time, across all models. ort's WebGPU backend refuses a run while any other session
 * is running ("Session already started"), and on WASM the calls would only interleave on the same
 * threads and inflate each other's timings.
 */
export class SerialRunner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly runner: Runner) {}

  private timed<T>(call: (r: Runner) => Promise<T>): Promise<Timed<T>> {
    const job = this.queue.then(async () => {
      const start = performance.now();
      const value = await call(this.runner);
      return { value, ms: performance.now() - start };
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  reconstruct(id: ModelId, images: Float32Array) {
    return this.timed((r) => r.reconstruct(id, images));
  }

  denoise(images: Float32Array) {
    return this.timed((r) => r.denoise(images));
  }

  encode(id: ModelId, images: Float32Array) {
    return this.timed((r) => r.encode(id, images));
  }

  decode(id: ModelId, codes: Float32Array) {
    return this.timed((r) => r.decode(id, codes));
  }

  manifold(n: number) {
    return this.timed((r) => r.manifold(n));
  }
}

/** Times anything else, e.g. a call to the edge API. */
export async function timed<T>(call: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const value = await call();
  return { value, ms: performance.now() - start };
}
