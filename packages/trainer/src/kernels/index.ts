import * as tf from '@tensorflow/tfjs';
import { concatOverride, packOverride } from './concat.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { conv2DSingleOutputOverride, fusedConv2DSingleOutputOverride } from './conv2d-single-output.ts';
import { identityOverride } from './identity.ts';
import { registerMatMulKernel, unregisterMatMulKernel } from './mat-mul.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import type { Override } from './override.ts';
import { resizeNearestNeighborOverride } from './resize-nearest-neighbor.ts';
import { resizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.ts';
import { sliceOverride, splitVOverride, unpackOverride } from './slice.ts';
import { sumOverride } from './sum.ts';
import { tileOverride } from './tile.ts';

const CONFIGS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  resizeNearestNeighborGradConfig,
];

/**
 * Kernels that wrap the backend's own, handling the cases they are fast for and passing the rest on:
 * Sum over leading axes, Slice/Unpack/SplitV without a copy of the whole input, Concat/Pack, Tile,
 * ResizeNearestNeighbor, convolutions with one output channel and Identity without a copy.
 */
const OVERRIDES: readonly Override[] = [
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

/** Kernels this module registers for the 'wasm' backend. */
export const FAST_KERNELS: readonly string[] = [
  ...CONFIGS.map((c) => c.kernelName),
  'BatchMatMul',
  ...OVERRIDES.map((o) => o.kernelName),
];

/** The backend's own kernels displaced by registerFastKernels, to put back in unregisterFastKernels. */
const shipped = new Map<string, tf.KernelConfig>();

/**
 * Registers the fast gradient kernels for the 'wasm' backend (Conv2DBackpropFilter, which the backend
 * lacks, plus faster Conv2DBackpropInput, MaxPoolGrad, ResizeNearestNeighborGrad and BatchMatMul) and the
 * OVERRIDES above. Call after `tf.setBackend('wasm')` and `tf.ready()`; calling it again does nothing.
 */
export function registerFastKernels(): void {
  for (const config of CONFIGS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      shipped.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
  // Wraps the shipped kernel, which it keeps for the products that are already fast: registered on its own.
  registerMatMulKernel();
  for (const o of OVERRIDES) o.register();
}

/** Restores the backend's own kernels (for benchmarks and tests); Conv2DBackpropFilter becomes unavailable. */
export function unregisterFastKernels(): void {
  for (const config of CONFIGS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc !== config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    const original = shipped.get(config.kernelName);
    if (original !== undefined) tf.registerKernel(original);
  }
  unregisterMatMulKernel();
  for (const o of OVERRIDES) o.unregister();
}

export { chooseFilterGradStrategy, type FilterGradStrategy } from './conv2d-backprop-filter.ts';
export { chooseInputGradStrategy, type InputGradStrategy } from './conv2d-backprop-input.ts';
