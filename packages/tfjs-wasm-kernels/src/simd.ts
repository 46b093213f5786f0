import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './shared.ts';
import { dataOf } from './views.ts';

/**
 * The SIMD kernels of assembly/kernels.ts, instantiated over the wasm backend's own memory so that
 * they read and write its tensors in place. Arguments are byte offsets into that memory and sizes;
 * see the AssemblyScript source for what each computes.
 */
export interface SimdExports {
  filterGrad(
    xPtr: number,
    dyPtr: number,
    outPtr: number,
    sIsX: number,
    n0: number,
    n1: number,
    h: number,
    w: number,
    ci: number,
    ho: number,
    wo: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  maxPool2x2Grad(
    xPtr: number,
    dyPtr: number,
    dxPtr: number,
    n0: number,
    n1: number,
    h: number,
    w: number,
    c: number,
    ho: number,
    wo: number,
    pt: number,
    pl: number,
  ): void;
  upsample2x(xPtr: number, outPtr: number, n0: number, n1: number, h: number, w: number, c: number): void;
  upsample2xGrad(dyPtr: number, dxPtr: number, n0: number, n1: number, h: number, w: number, c: number): void;
  gemm(aPtr: number, bPtr: number, cPtr: number, m: number, k: number, n: number): void;
  adamStep(
    pPtr: number,
    gPtr: number,
    mPtr: number,
    vPtr: number,
    pOut: number,
    mOut: number,
    vOut: number,
    i0: number,
    i1: number,
    constsPtr: number,
  ): void;
}

/** The backend's WebAssembly.Memory: exported by its single-threaded build, created by its threaded one. */
function backendMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const module = (
    backend as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } }
  ).wasm;
  const memory = module.wasmMemory ?? module.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** The kernels a job can name, in the order the worker indexes them. */
const KERNELS = ['filterGrad', 'maxPool2x2Grad', 'upsample2x', 'upsample2xGrad', 'adamStep', 'gemm'] as const;
export type SimdKernelName = (typeof KERNELS)[number];

/** Int32 slots per worker control block (layout in simd/worker.mjs). */
const CONTROL_SLOTS = 32;
const READY = CONTROL_SLOTS - 2;
const ERROR = CONTROL_SLOTS - 1;
/** How long a helper may take to start, and to finish a job, before it is given up on. */
const START_TIMEOUT_MS = 10_000;
const JOB_TIMEOUT_MS = 120_000;

/** The kernels over one backend's memory, and helper threads sharing that memory. */
export class SimdKernels {
  readonly exports: SimdExports;
  private workers: { worker: Worker; ctrl: Int32Array }[] = [];
  private started = false;

  /** `workerFile` is the helper's script (replaceable to test a helper that cannot start). */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    helpers: number,
    workerFile = new URL('./simd/worker.mjs', import.meta.url),
  ) {
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdExports;
    for (let i = 0; i < helpers; i++) {
      const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
      const worker = new Worker(workerFile, { workerData: { module, memory, control, kernels: KERNELS } });
      // Idle helpers wait on the control block and must not keep the process alive.
      worker.unref();
      this.workers.push({ worker, ctrl: new Int32Array(control) });
    }
  }

  /** Threads a job can be split over: this one and the helpers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Waits (once) for the helpers to start. One that could not is dropped with the rest, and the
   * kernels run on this thread alone: slower, never wrong or stuck.
   */
  private awaitHelpers(): void {
    if (this.started) return;
    this.started = true;
    const ready = this.workers.every(({ ctrl }) => {
      Atomics.wait(ctrl, READY, 0, START_TIMEOUT_MS);
      return Atomics.load(ctrl, READY) === 1;
    });
    if (ready) return;
    for (const { worker } of this.workers) void worker.terminate();
    this.workers = [];
    process.emitWarning('the SIMD helper thread did not start: its kernels run on one thread');
  }

  /**
   * Runs `kernel` once per argument list, the first on this thread and the others on helper threads
   * (or after it, on this thread, if the helpers could not start), and returns when all have
   * finished. The lists must touch disjoint outputs.
   */
  run(kernel: SimdKernelName, argLists: number[][]): void {
    if (argLists.length > 1) this.awaitHelpers();
    const index = KERNELS.indexOf(kernel);
    const helped = argLists.slice(1, this.threads);
    const posted = helped.map((args, i) => {
      const { ctrl } = this.workers[i] as { ctrl: Int32Array };
      if (args.length > READY - 4) throw new Error(`${kernel}: too many arguments`);
      ctrl[2] = index;
      ctrl[3] = args.length;
      ctrl.set(args, 4);
      const seq = (Atomics.load(ctrl, 0) + 1) | 0;
      Atomics.store(ctrl, 0, seq);
      Atomics.notify(ctrl, 0);
      return { ctrl, seq };
    });
    const call = this.exports[kernel] as (...args: number[]) => void;
    let failure: unknown;
    try {
      call(...(argLists[0] ?? []));
      for (const args of argLists.slice(1 + helped.length)) call(...args);
    } catch (error) {
      failure = error;
    }
    for (const { ctrl, seq } of posted) {
      const deadline = performance.now() + JOB_TIMEOUT_MS;
      for (let done = Atomics.load(ctrl, 1); done !== seq; done = Atomics.load(ctrl, 1)) {
        if (Atomics.wait(ctrl, 1, done, deadline - performance.now()) === 'timed-out') {
          throw new Error(`${kernel}: a helper thread did not finish within ${JOB_TIMEOUT_MS / 1000} s`);
        }
      }
      if (ctrl[ERROR] !== 0) failure ??= new Error(`${kernel} failed on a helper thread`);
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Runs a memory-bound `kernel` over images [0, n) of an input of `elements` elements: split into
   * contiguous image ranges over the threads from MEMORY_BOUND_SPLIT_MIN elements on, else one call.
   * `args` builds the argument list for images [n0, n1).
   */
  runOverBatch(
    kernel: SimdKernelName,
    n: number,
    elements: number,
    args: (n0: number, n1: number) => number[],
  ): void {
    const parts = splitBatch(n, elements >= MEMORY_BOUND_SPLIT_MIN ? this.threads : 1);
    this.run(
      kernel,
      parts.map(([n0, n1]) => args(n0, n1)),
    );
  }
}

/** Elements below which a memory-bound kernel runs on one thread: waking a helper costs more. */
export const MEMORY_BOUND_SPLIT_MIN = 1 << 20;

/** [start, end) image ranges splitting a batch of n over up to `parts` threads, none empty. */
export function splitBatch(n: number, parts: number): [number, number][] {
  const count = Math.max(1, Math.min(parts, n));
  return Array.from({ length: count }, (_, p) => [
    Math.floor((p * n) / count),
    Math.floor(((p + 1) * n) / count),
  ]);
}

const instances = new WeakMap<BackendWasm, SimdKernels | null>();
let enabled = true;

/** Turns this package's SIMD kernels off (or back on), for measuring the wasm backend as shipped. */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The active backend and its kernels when it is the wasm backend and they can run there. */
export function activeSimdKernels(): { backend: BackendWasm; kernels: SimdKernels } | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as BackendWasm;
  const kernels = simdKernels(backend);
  return kernels && { backend, kernels };
}

/**
 * The kernels for this backend, or undefined where they cannot run (no reachable memory, or a runtime
 * without wasm SIMD): callers then take their JavaScript path. With the backend's threaded build they
 * come with as many helper threads as XNNPACK has beyond the main one.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  if (!enabled) return undefined;
  let kernels = instances.get(backend);
  if (kernels === undefined) {
    kernels = instantiate(backend);
    instances.set(backend, kernels);
  }
  return kernels ?? undefined;
}

function instantiate(backend: BackendWasm): SimdKernels | null {
  const memory = backendMemory(backend);
  if (memory === undefined) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = new URL(`./simd/${shared ? 'kernels-shared.wasm' : 'kernels.wasm'}`, import.meta.url);
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(readFileSync(file));
  } catch {
    // Compiling fails only where the runtime lacks wasm SIMD (or threads for the shared variant).
    return null;
  }
  return new SimdKernels(module, memory, shared ? Math.max(0, getThreadsCount() - 1) : 0);
}

/** Byte offset of a tensor's first element in the backend's memory. */
export function heapPtr(backend: BackendWasm, t: TensorInfo): number {
  return dataOf(backend, t).memoryOffset;
}
