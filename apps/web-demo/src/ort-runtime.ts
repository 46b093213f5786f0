/**
 * Picks the execution provider and loads onnxruntime-web for it: WebGPU where the browser hands out an
 * adapter, WASM otherwise. Each provider loads its own ort build, so a browser without WebGPU never
 * downloads or compiles the 28 MB WebGPU wasm.
 */
import type * as Ort from 'onnxruntime-web';
import { gzipped, ORT_DIR, ORT_WASM } from './asset-paths.ts';

export type OrtNamespace = typeof Ort;
export type Provider = 'webgpu' | 'wasm';
/** What the page was asked for, from `?ep=`: auto probes WebGPU and falls back to WASM. */
export type ProviderRequest = 'auto' | Provider;

export interface Runtime {
  ort: OrtNamespace;
  provider: Provider;
  /** One line for people: what runs, and why not WebGPU where it does not. */
  note: string;
  /** WASM threads; more than one only when the page is cross-origin isolated. */
  threads: number;
  /** The adapter's description, where WebGPU runs. */
  adapter: string | null;
}

// TypeScript's DOM lib has no WebGPU types yet; this is the little the page touches.
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

export interface WebGpuProbe {
  adapter: GpuAdapterLike | null;
  /** Why there is no adapter, or a description of the one there is. */
  detail: string;
}

/** `navigator.gpu` exists in Chromium even where no adapter will be given, so ask for one. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
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

/**
 * Fetches a gzip-compressed file and inflates it with the browser's DecompressionStream. Some servers
 * (vite preview among them) send `.gz` files with `Content-Encoding: gzip`, and then the browser has
 * inflated them already: the bytes, not the URL, say which case this is.
 */
async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function loadOrt(build: keyof typeof ORT_WASM, baseUrl: string): Promise<OrtNamespace> {
  const [ort, wasm] = await Promise.all([
    build === 'jsep' ? import('onnxruntime-web') : import('onnxruntime-web/wasm'),
    fetchGunzipped(new URL(ORT_DIR + gzipped(ORT_WASM[build]), baseUrl).href),
  ]);
  ort.env.wasm.wasmBinary = wasm;
  ort.env.wasm.numThreads = crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.wasm.proxy = false;
  // ort warns on the console about nodes it places on the CPU; the page reports what matters itself.
  ort.env.logLevel = 'error';
  return ort;
}

/** `baseUrl` is the page's base (where ort/ lies), absolute. */
export async function createRuntime(request: ProviderRequest, baseUrl: string): Promise<Runtime> {
  let note: string;
  if (request === 'wasm') {
    note = 'WASM, as requested (?ep=wasm)';
  } else {
    const probe = await probeWebGpu();
    if (probe.adapter) {
      const ort = await loadOrt('jsep', baseUrl);
      // Reuse the adapter just probed rather than have ort ask for another.
      (ort.env.webgpu as { adapter?: unknown }).adapter = probe.adapter;
      return {
        ort,
        provider: 'webgpu',
        note: `WebGPU (${probe.detail})`,
        threads: ort.env.wasm.numThreads ?? 1,
        adapter: probe.detail,
      };
    }
    note = `WASM: no WebGPU here (${probe.detail})`;
  }
  const ort = await loadOrt('wasm', baseUrl);
  return { ort, provider: 'wasm', note, threads: ort.env.wasm.numThreads ?? 1, adapter: null };
}
