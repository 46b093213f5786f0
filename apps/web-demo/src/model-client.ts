/**
 * The page's side of the model worker (worker/model-worker.ts): the same calls as modelkit's
 * ModelRunner, answered from the worker, so that compiling ort's wasm, opening sessions and running
 * the models never block this thread. Inputs are copied to the worker (the page keeps using them);
 * results move back without a copy.
 */
import type { Manifest, ModelId } from '@autoencoders/modelkit';
import type { DemoAssets } from './asset-paths.ts';
import type {
  Envelope,
  Need,
  ProviderRequest,
  Replies,
  Reply,
  Request,
  RequestOf,
  RuntimeInfo,
} from './worker/protocol.ts';

/** An error the worker reported, with the name it had there (e.g. ModelIntegrityError). */
export class WorkerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export class ModelClient {
  readonly #worker: Worker;
  #seq = 0;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  /** The runtime as the latest answer described it (WebGPU may give way to WASM while loading). */
  runtime: RuntimeInfo | null = null;

  constructor() {
    this.#worker = new Worker(new URL('./worker/model-worker.ts', import.meta.url), {
      type: 'module',
      name: 'models',
    });
    this.#worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.seq);
      if (!pending) return;
      this.#pending.delete(reply.seq);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new WorkerError(reply.error.name, reply.error.message));
    };
    // A worker script that fails to load or throws at the top level answers nothing ever again.
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`the model worker failed: ${event.message || 'its script did not load'}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
  }

  #call<K extends Request['kind']>(request: RequestOf<K>): Promise<Replies[K]> {
    const seq = ++this.#seq;
    return new Promise<Replies[K]>((resolve, reject) => {
      this.#pending.set(seq, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ seq, request } satisfies Envelope);
    });
  }

  /** Starts loading ort (the worker fetches and compiles its wasm); resolves once it is ready. */
  async start(request: ProviderRequest, baseUrl: string, assets: DemoAssets): Promise<RuntimeInfo> {
    this.runtime = await this.#call({ kind: 'start', request, baseUrl, assets });
    return this.runtime;
  }

  setManifest(manifest: Manifest): Promise<null> {
    return this.#call({ kind: 'manifest', manifest });
  }

  /** Downloads what the operations need and opens their sessions (each run once on zeros). */
  async load(needs: Need[]): Promise<Replies['load']> {
    const done = await this.#call({ kind: 'load', needs });
    this.runtime = done.runtime;
    return done;
  }

  reconstruct(id: ModelId, images: Float32Array) {
    return this.#call({ kind: 'reconstruct', id, images });
  }

  denoise(images: Float32Array) {
    return this.#call({ kind: 'denoise', images });
  }

  encode(id: ModelId, images: Float32Array) {
    return this.#call({ kind: 'encode', id, images });
  }

  decode(id: ModelId, codes: Float32Array) {
    return this.#call({ kind: 'decode', id, codes });
  }

  manifold(n: number) {
    return this.#call({ kind: 'manifold', n });
  }

  /** Every test digit's z_mean under the VAE; the worker downloads the digits itself. */
  scatter() {
    return this.#call({ kind: 'scatter' });
  }

  /** Test digits `start`…`start + count - 1` as bytes, from the worker's copy of all of them. */
  digits(start: number, count: number) {
    return this.#call({ kind: 'digits', start, count });
  }

  /** What the worker has downloaded (Resource Timing). */
  resources() {
    return this.#call({ kind: 'resources' });
  }
}
