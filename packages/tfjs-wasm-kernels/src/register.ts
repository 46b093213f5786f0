import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { concatOverride, packOverride } from './concat.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { conv2DSingleOutputOverride, fusedConv2DSingleOutputOverride } from './conv2d-single-output.ts';
import { identityOverride } from './identity.ts';
import { batchMatMulKernel } from './mat-mul.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { type FastKernel, fromConfig } from './override.ts';
import { resizeNearestNeighborOverride } from './resize-nearest-neighbor.ts';
import { resizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.ts';
import { sliceOverride, splitVOverride, unpackOverride } from './slice.ts';
import { sumOverride } from './sum.ts';
import { tileOverride } from './tile.ts';

/**
 * Every kernel this package registers for the 'wasm' backend, in registration order:
 * - gradient kernels that handle every input themselves: Conv2DBackpropFilter (which the backend
 *   lacks), Conv2DBackpropInput, MaxPoolGrad, ResizeNearestNeighborGrad;
 * - BatchMatMul, which rewrites transposed products into XNNPACK's plain form and keeps the
 *   backend's kernel for the products themselves;
 * - overrides that handle the cases they are fast for and pass the rest to the backend's kernel:
 *   Identity without a copy, Sum over leading axes, Slice/Unpack/SplitV without a copy of the whole
 *   input, Concat/Pack, Tile, ResizeNearestNeighbor, convolutions with one output channel.
 */
const KERNELS: readonly FastKernel[] = [
  fromConfig(conv2DBackpropFilterConfig),
  fromConfig(conv2DBackpropInputConfig),
  fromConfig(maxPoolGradConfig),
  fromConfig(resizeNearestNeighborGradConfig),
  batchMatMulKernel,
  identityOverride,
  sumOverride,
  sliceOverride,
  unpackOverride,
  splitVOverride,
  concatOverride,
  packOverride,
  tileOverride,
  resizeNearestNeighborOverride,
  conv2DSingleOutputOverride,
  fusedConv2DSingleOutputOverride,
];

/** Names of the kernels {@link register} installs for the 'wasm' backend. */
export const FAST_KERNELS: readonly string[] = KERNELS.map((k) => k.kernelName);

/**
 * Registers this package's kernels for TF.js's 'wasm' backend (see FAST_KERNELS). Call once the
 * backend is initialised (after `await tf.setBackend('wasm')`); calling it again does nothing. The
 * kernels only take effect while 'wasm' is the active backend; other backends are untouched.
 */
export function register(): void {
  for (const k of KERNELS) k.register();
}

/** Puts the backend's own kernels back (for benchmarks and tests); Conv2DBackpropFilter becomes unavailable. */
export function unregister(): void {
  for (const k of KERNELS) k.unregister();
}

export interface WasmBackendOptions {
  /** XNNPACK threads (and SIMD helper threads); above 1 in Node only with this package's patch. Default 1. */
  threads?: number;
  /** Whether to {@link register} this package's kernels; false gives the backend as shipped. Default true. */
  fastKernels?: boolean;
}

/**
 * In Node: points @tensorflow/tfjs-backend-wasm at its own .wasm files, sets its thread count, makes
 * 'wasm' the active backend and registers this package's kernels. Returns the threads XNNPACK
 * actually runs (fewer than asked where its workers could not start). In a browser, set the backend
 * up yourself (setWasmPaths to where you serve the .wasm files) and call {@link register}.
 */
export async function useWasmBackend({ threads = 1, fastKernels = true }: WasmBackendOptions = {}): Promise<{
  threads: number;
}> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  wasm.setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  if (fastKernels) register();
  return { threads: wasm.getThreadsCount() };
}
