/**
 * What the page and its model worker say to each other. Every request carries a sequence number and
 * gets exactly one reply with the same number: its value, or an error as a name and a message.
 */
import type { Batch, Manifest, ModelId } from '@autoencoders/modelkit';
import type { DemoAssets } from '../asset-paths.ts';

export type Provider = 'webgpu' | 'wasm';
/** What the page was asked for, from `?ep=`: auto probes WebGPU and falls back to WASM. */
export type ProviderRequest = 'auto' | Provider;

export interface RuntimeInfo {
  provider: Provider;
  /** One line for people: what runs, and why not WebGPU where it does not. */
  note: string;
  /** WASM threads. */
  threads: number;
}

/** The operations a panel asks the worker to have ready (sessions open and run once). */
export type ModelOperation = 'reconstruct' | 'denoise' | 'encode' | 'decode' | 'manifold';

export interface Need {
  id: ModelId;
  op: ModelOperation;
}

/** A result with the milliseconds the worker spent on it, waiting for earlier calls excluded. */
export interface Timed<T> {
  value: T;
  ms: number;
}

export type Request =
  | { kind: 'start'; request: ProviderRequest; baseUrl: string; assets: DemoAssets }
  | { kind: 'manifest'; manifest: Manifest }
  | { kind: 'load'; needs: Need[] }
  | { kind: 'reconstruct'; id: ModelId; images: Float32Array }
  | { kind: 'denoise'; images: Float32Array }
  | { kind: 'encode'; id: ModelId; images: Float32Array }
  | { kind: 'decode'; id: ModelId; codes: Float32Array }
  | { kind: 'manifold'; n: number }
  | { kind: 'scatter' }
  | { kind: 'digits'; start: number; count: number }
  | { kind: 'resources' };

/** What each kind of request resolves to. */
export interface Replies {
  start: RuntimeInfo;
  manifest: null;
  /** The runtime as it is after loading (WebGPU may have given way to WASM), and the time it took. */
  load: { runtime: RuntimeInfo; ms: number };
  reconstruct: Timed<Batch>;
  denoise: Timed<Batch>;
  encode: Timed<Record<string, Batch>>;
  decode: Timed<Batch>;
  manifold: Timed<{ images: Batch; points: Batch }>;
  /** Every test digit's VAE z_mean, [count, 2]; `ms` covers the encoding only, not the download. */
  scatter: Timed<{ z: Float32Array; count: number }>;
  /** count × 784 bytes (0..255) of the test digits from `start`. */
  digits: Uint8Array;
  /** What the worker has downloaded so far (Resource Timing), for the tests and the bench. */
  resources: Resource[];
}

/** One download, with its end on the epoch's clock, so that the page's and the worker's compare. */
export interface Resource {
  url: string;
  /** Bytes over the network, headers included; 0 when it came from the browser's cache. */
  transferSize: number;
  /** Milliseconds since 1970 when the last byte arrived. */
  endedAt: number;
}

/** Resource Timing entries of this context (page or worker), as plain data. */
export function resourcesOf(perf: Performance): Resource[] {
  return perf.getEntriesByType('resource').map((e) => {
    const r = e as PerformanceResourceTiming;
    return { url: r.name, transferSize: r.transferSize, endedAt: perf.timeOrigin + r.responseEnd };
  });
}

export type RequestOf<K extends Request['kind']> = Extract<Request, { kind: K }>;

export interface Envelope {
  seq: number;
  request: Request;
}

export type Reply =
  | { seq: number; ok: true; value: unknown }
  | { seq: number; ok: false; error: { name: string; message: string } };
