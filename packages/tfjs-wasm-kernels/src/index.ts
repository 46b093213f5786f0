/**
 * @autoencoders/tfjs-wasm-kernels: faster training on TensorFlow.js's wasm backend. See README.md.
 *
 *   import { useWasmBackend, FusedAdam } from '@autoencoders/tfjs-wasm-kernels';
 *   await useWasmBackend({ threads: 2 });        // or: await tf.setBackend('wasm'); register();
 */
export { FusedAdam } from './adam.ts';
export { type LstmWeights, lstmSequence } from './lstm.ts';
export { FAST_KERNELS, register, unregister, useWasmBackend, type WasmBackendOptions } from './register.ts';
export { setSimdKernelsEnabled } from './simd.ts';
