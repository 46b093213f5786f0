/**
 * The model worker: everything heavy the page does happens here, off its main thread. It downloads
 * and inflates onnxruntime-web's wasm, compiles it, fetches each model file when a panel first needs
 * it, checks its sha256 against the manifest, opens its session, and runs every inference, through
 * modelkit's ModelRunner (the edge API runs the same one). It also owns the 2,000 test digits of the
 * latent scatter, so that their pixels never cross to the page.
 */
/// <reference lib="webworker" />
import {
  decodePng,
  filesFor,
  IMAGE_SIZE,
  type Manifest,
  ModelRunner,
  type OrtLike,
} from '@autoencoders/modelkit';
import type { DemoAssets } from '../asset-paths.ts';
import { createRuntime, type Runtime } from './ort-runtime.ts';
import {
  type Envelope,
  type Need,
  type Replies,
  type Reply,
  type Request,
  type RuntimeInfo,
  resourcesOf,
  type Timed,
} from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let started: Promise<Runtime> | undefined;
let runtime: Runtime | undefined;
let baseUrl = '';
let assets: DemoAssets | undefined;
let setManifest: (value: Manifest) => void = () => undefined;
const manifestReady = new Promise<Manifest>((resolve) => {
  setManifest = resolve;
});
let runner: Promise<ModelRunner> | undefined;
let digits: Promise<Uint8Array> | undefined;

/** One call at a time, across all models (see `serial`). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` after every earlier call. ort's WebGPU backend refuses a run while another session runs
 * ("Session already started"), and on WASM, calls would only interleave and inflate each other's
 * timings. Downloads stay outside the queue, so a panel's large model never holds up a small one.
 */
function serial<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const job = queue.then(async () => {
    const start = performance.now();
    const value = await work();
    return { value, ms: performance.now() - start };
  });
  queue = job.catch(() => undefined);
  return job;
}

const files = new Map<string, Promise<ArrayBuffer>>();

/** Each file is fetched once, whoever asks first: a panel's `load`, or the runner itself. */
function fetchFile(path: string): Promise<ArrayBuffer> {
  let bytes = files.get(path);
  if (!bytes) {
    const url = assets?.models[path];
    bytes = url
      ? fetch(new URL(url, baseUrl)).then((r) => {
          if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
          return r.arrayBuffer();
        })
      : Promise.reject(new Error(`${path} is not part of this build`));
    files.set(path, bytes);
    // A failed download may succeed next time.
    bytes.catch(() => files.delete(path));
  }
  return bytes;
}

function makeRunner(rt: Runtime, m: Manifest): ModelRunner {
  return new ModelRunner({
    manifest: m,
    // ort's own typings are wider than the structural subset modelkit asks for.
    ort: rt.ort as unknown as OrtLike,
    getFile: (file) => fetchFile(file.path),
    // Severity 3 (errors only): ort's warnings about nodes it keeps on the CPU would otherwise reach the
    // console as errors, through the wasm module's stderr.
    sessionOptions: { executionProviders: [rt.provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 },
    // Web Crypto exists only in secure contexts: a phone opening the dev server by its LAN address
    // (plain http) has none. The build checks every file against the manifest anyway.
    verify: globalThis.crypto?.subtle !== undefined,
  });
}

function getRunner(): Promise<ModelRunner> {
  runner ??= Promise.all([started ?? Promise.reject(new Error('not started')), manifestReady]).then(
    ([rt, m]) => makeRunner(rt, m),
  );
  return runner;
}

function info(rt: Runtime): RuntimeInfo {
  return { provider: rt.provider, note: rt.note, threads: rt.threads };
}

/** Runs the operation once on zeros: opens its sessions and has ort compile its kernels. */
async function warm(r: ModelRunner, need: Need): Promise<void> {
  const blank = new Float32Array(IMAGE_SIZE);
  if (need.op === 'reconstruct') await r.reconstruct(need.id, blank);
  else if (need.op === 'denoise') await r.denoise(blank);
  else if (need.op === 'encode') await r.encode(need.id, blank);
  else if (need.op === 'decode') await r.decode(need.id, new Float32Array(r.inputSize(need.id, 'decoder')));
  else await r.manifold(1, need.id);
}

async function load(needs: Need[]): Promise<Replies['load']> {
  const start = performance.now();
  const m = await manifestReady;
  // Every download starts at once; sessions open one by one as their files arrive.
  const downloads = needs.flatMap((need) => {
    const model = m.models[need.id];
    return model ? filesFor(model, need.op).map((f) => fetchFile(f.path)) : [];
  });
  await Promise.all(downloads);
  for (const need of needs) {
    const r = await getRunner();
    try {
      await serial(() => warm(r, need));
    } catch (error) {
      if (runtime?.provider === 'webgpu') {
        // The WebGPU build of ort also carries the WASM provider: fall back without reloading it.
        runtime = { ...runtime, provider: 'wasm', note: `WASM: WebGPU failed (${String(error)})` };
        runner = Promise.resolve(makeRunner(runtime, m));
      }
      const next = await getRunner();
      // Failed on WASM, not on a WebGPU runner that another panel's failure has replaced meanwhile.
      if (next === r) throw error;
      await serial(() => warm(next, need));
    }
  }
  if (!runtime) throw new Error('the runtime is not loaded');
  return { runtime: info(runtime), ms: performance.now() - start };
}

/** All the test digits, decoded from their PNG sprite: count × 784 bytes. */
function allDigits(): Promise<Uint8Array> {
  digits ??= (async () => {
    const sprite = assets?.digits.all;
    if (!sprite) throw new Error('not started');
    const response = await fetch(new URL(sprite.url, baseUrl));
    if (!response.ok) throw new Error(`${sprite.url}: HTTP ${response.status}`);
    const rgba = decodePng(await response.arrayBuffer()).data;
    const grey = new Uint8Array(rgba.length / 4);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i] as number;
    if (grey.length !== sprite.count * IMAGE_SIZE) throw new Error(`${sprite.url}: ${grey.length} pixels`);
    return grey;
  })();
  digits.catch(() => {
    digits = undefined;
  });
  return digits;
}

async function handle(request: Request): Promise<unknown> {
  switch (request.kind) {
    case 'start': {
      baseUrl = request.baseUrl;
      assets = request.assets;
      started ??= createRuntime(request.request, request.assets, request.baseUrl).then((rt) => {
        runtime = rt;
        return rt;
      });
      return info(await started);
    }
    case 'manifest':
      setManifest(request.manifest);
      return null;
    case 'load':
      return load(request.needs);
    case 'reconstruct': {
      const r = await getRunner();
      return serial(() => r.reconstruct(request.id, request.images));
    }
    case 'denoise': {
      const r = await getRunner();
      return serial(() => r.denoise(request.images));
    }
    case 'encode': {
      const r = await getRunner();
      return serial(() => r.encode(request.id, request.images));
    }
    case 'decode': {
      const r = await getRunner();
      return serial(() => r.decode(request.id, request.codes));
    }
    case 'manifold': {
      const r = await getRunner();
      return serial(() => r.manifold(request.n));
    }
    case 'scatter': {
      const [r, pixels] = await Promise.all([getRunner(), allDigits()]);
      return serial(async () => {
        // The models were trained on x / 255, so that is the input they expect.
        const images = Float32Array.from(pixels, (v) => v / 255);
        const z = (await r.encode('vae', images)).z_mean?.data;
        if (!z) throw new Error("the VAE's encoder gave no z_mean");
        return { z, count: pixels.length / IMAGE_SIZE };
      });
    }
    case 'digits': {
      const pixels = await allDigits();
      return pixels.slice(request.start * IMAGE_SIZE, (request.start + request.count) * IMAGE_SIZE);
    }
    case 'resources':
      return resourcesOf(performance);
  }
}

/**
 * Output buffers cross to the page without a copy. ort's outputs are its own copies, never views of
 * the wasm memory, but a result that is a view of a larger buffer is copied so that only it moves.
 */
function transferables(value: unknown, found: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && value.byteLength === buffer.byteLength && !found.includes(buffer))
      found.push(buffer);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, found);
  }
  return found;
}

self.onmessage = async (event: MessageEvent<Envelope>) => {
  const { seq, request } = event.data;
  let reply: Reply;
  try {
    reply = { seq, ok: true, value: await handle(request) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { seq, ok: false, error: { name: e.name, message: e.message } };
  }
  try {
    self.postMessage(reply, reply.ok ? transferables(reply.value) : []);
  } catch {
    // A buffer that cannot be transferred (ort's outputs are never so) is cloned instead.
    self.postMessage(reply);
  }
};
