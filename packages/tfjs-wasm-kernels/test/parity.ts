// Shared helpers for the parity tests of the forward-kernel overrides (sum, slice, tile, concat,
// single-output conv): run the same op on the cpu backend and on wasm with the fast kernels.
import { createRequire } from 'node:module';
import path from 'node:path';
import { seededRandom } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { register } from '../src/register.ts';

/** Deterministic data in [-0.5, 0.5), independent of either backend's random generator. */
export function seeded(size: number, seed: number): Float32Array {
  const random = seededRandom(seed >>> 0 || 1);
  return Float32Array.from({ length: size }, () => random() - 0.5);
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Largest absolute difference over the largest expected magnitude. */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / (scale + 1e-6);
}

/** Initialises the wasm backend (one XNNPACK thread) and the fast kernels; leaves cpu active. */
export function setUpBackends(): Promise<void> {
  return setUpBackendsWith(1);
}

/** setUpBackends with `threads` XNNPACK threads (and as many SIMD threads). */
export async function setUpBackendsWith(threads: number): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  register();
  await tf.setBackend('cpu');
  await tf.ready();
}

export function wasmBackend(): BackendWasm {
  return tf.findBackend('wasm') as BackendWasm;
}

/** The outputs of `f` on one backend, with its shapes. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  f: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array | Int32Array | Uint8Array; shape: number[] }[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      values: t.dataSync() as Float32Array | Int32Array | Uint8Array,
      shape: t.shape,
    }));
  });
}

/** Runs f on both backends and expects the same shapes and values within `tolerance` (0: exact). */
export async function expectParity(f: () => tf.Tensor | tf.Tensor[], tolerance = 0): Promise<void> {
  const expected = await runOn('cpu', f);
  const actual = await runOn('wasm', f);
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i] as (typeof actual)[number];
    expect(a.shape).toEqual(e.shape);
    if (tolerance === 0) expect(Array.from(a.values)).toEqual(Array.from(e.values));
    else expect(relError(a.values, e.values)).toBeLessThanOrEqual(tolerance);
  });
}

/** Counts calls of a wasm kernel's current function while `f` runs (to see a fast path taken). */
export async function countCalls(kernelName: string, f: () => Promise<void>): Promise<number> {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`no wasm kernel ${kernelName}`);
  let calls = 0;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      calls++;
      return config.kernelFunc(args);
    },
  });
  try {
    await f();
  } finally {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(config);
  }
  return calls;
}
