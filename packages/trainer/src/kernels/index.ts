import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { registerMatMulKernel, unregisterMatMulKernel } from './mat-mul.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { resizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.ts';

const CONFIGS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  resizeNearestNeighborGradConfig,
];

/** Kernels this module registers for the 'wasm' backend. */
export const FAST_KERNELS: readonly string[] = [...CONFIGS.map((c) => c.kernelName), 'BatchMatMul'];

/** The backend's own kernels displaced by registerFastKernels, to put back in unregisterFastKernels. */
const shipped = new Map<string, tf.KernelConfig>();

/**
 * Registers the fast gradient kernels for the 'wasm' backend (Conv2DBackpropFilter, which the backend
 * lacks, plus faster Conv2DBackpropInput, MaxPoolGrad, ResizeNearestNeighborGrad and BatchMatMul). Call after
 * `tf.setBackend('wasm')` and `tf.ready()`; calling it again does nothing.
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
}

export { chooseFilterGradStrategy, type FilterGradStrategy } from './conv2d-backprop-filter.ts';
export { chooseInputGradStrategy, type InputGradStrategy } from './conv2d-backprop-input.ts';
