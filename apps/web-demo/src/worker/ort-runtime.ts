/**
 * Picks the execution provider and loads onnxruntime-web for it, inside the model worker: WebGPU
 * where the browser hands out an adapter, WASM otherwise. Each provider loads its own ort build, so a
 * browser without WebGPU never downloads or compiles the 28 MB WebGPU wasm.
 */
import type * as Ort from 'onnxruntime-web';
import type { DemoAssets, OrtBuild } from '../asset-paths.ts';
import type { Provider, ProviderRequest, RuntimeInfo } from './protocol.ts';

export type OrtNamespace = typeof Ort;

export interface Runtime extends RuntimeInfo {
  ort: OrtNamespace;
}

// TypeScript's lib has no WebGPU types yet; this is the little the worker touches.
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

interface WebGpuProbe {
  adapter: GpuAdapterLike | null;
  /** Why there is no adapter, or a description of the one there is. */
  detail: string;
}

/** `navigator.gpu` exists in Chromium even where no adapter will be given, so ask for one. */
async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return { adapter: null, detail: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { adapter: null, detail: 'WebGPU is present but gave no adapter' };
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed';
    const software = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    return { adapter, detail: `${name}${software ? ', software (fallback) adapter' : ''}` };
  } catch (error) {
    return { adapter: null, detail: `WebGPU adapter request failed: ${String(error)}` };
  }
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

/**
 * Fetches ort's brotli-compressed wasm and inflates it. A server that sends the file with
 * `Content-Encoding: br` has had the browser inflate it already: the bytes, not the URL, say which.
 */
async function fetchWasm(url: string): Promise<Uint8Array> {
  const [response, { decompress }] = await Promise.all([fetch(url), import('brotli/decompress')]);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return WASM_MAGIC.every((b, i) => bytes[i] === b) ? bytes : decompress(bytes);
}

async function loadOrt(build: OrtBuild, assets: DemoAssets, baseUrl: string): Promise<OrtNamespace> {
  const [ort, wasm] = await Promise.all([
    build === 'jsep' ? import('onnxruntime-web') : import('onnxruntime-web/wasm'),
    fetchWasm(new URL(assets.ort[build].url, baseUrl).href),
  ]);
  ort.env.wasm.wasmBinary = wasm;
  // One thread: these models take 0.1–0.3 ms an inference, and ort's thread pool would start a worker
  // per thread, each loading ort's script again, for nothing measurable.
  ort.env.wasm.numThreads = 1;
  // This is a worker already: ort's own proxy worker would only add a hop.
  ort.env.wasm.proxy = false;
  // ort warns on the console about nodes it places on the CPU; the page reports what matters itself.
  ort.env.logLevel = 'error';
  return ort;
}

/** `baseUrl` is the page's base (where ort/ lies), absolute. */
export async function createRuntime(
  request: ProviderRequest,
  assets: DemoAssets,
  baseUrl: string,
): Promise<Runtime> {
  let note: string;
  if (request === 'wasm') {
    note = 'WASM, as requested (?ep=wasm)';
  } else {
    const probe = await probeWebGpu();
    if (probe.adapter) {
      const ort = await loadOrt('jsep', assets, baseUrl);
      // Reuse the adapter just probed rather than have ort ask for another.
      (ort.env.webgpu as { adapter?: unknown }).adapter = probe.adapter;
      return { ort, provider: 'webgpu', note: `WebGPU (${probe.detail})`, threads: 1 };
    }
    note = `WASM: no WebGPU here (${probe.detail})`;
  }
  const ort = await loadOrt('wasm', assets, baseUrl);
  return { ort, provider: 'wasm' satisfies Provider, note, threads: 1 };
}
