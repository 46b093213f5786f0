import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchMatMulKernel, chooseMatMulStrategy, type MatMulStrategy, matMulWith } from '../src/mat-mul.ts';
import { useWasmBackend } from '../src/register.ts';
import { relError, seeded, sizeOf } from './parity.ts';

// fp32 sums of up to ~800 products in a different order than the cpu backend's.
const TOLERANCE = 1e-5;

function wasmBackend(): BackendWasm {
  return tf.findBackend('wasm') as BackendWasm;
}

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Stored shapes for C = op(A)·op(B) with op(A) m×k, op(B) k×n and the given outer dimensions. */
function shapes(
  outerA: number[],
  outerB: number[],
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
) {
  return {
    a: [...outerA, ...(ta ? [k, m] : [m, k])],
    b: [...outerB, ...(tb ? [n, k] : [k, n])],
    transposeA: ta,
    transposeB: tb,
  };
}

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** [m, k, n]: odd sizes, vectors, and the row counts (multiples of 64) that take the split transpose. */
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [1, 17, 9],
  [13, 1, 6],
  [33, 65, 2],
  [128, 33, 50],
  [70, 256, 31],
  [256, 64, 129],
];

/** [outer A, outer B]: rank 2, rank 3 with one matrix, stacked, rank 4, and broadcasts. */
const OUTERS: [number[], number[]][] = [
  [[], []],
  [[1], [1]],
  [[], [1]],
  [[3], [3]],
  [
    [2, 2],
    [2, 2],
  ],
  [[1], [4]],
  [[3], []],
  [
    [2, 1],
    [1, 3],
  ],
];

const CASES: Case[] = [];
for (const [ta, tb] of TRANSPOSES) {
  for (const [m, k, n] of SIZES) CASES.push(shapes([], [], m, k, n, ta, tb));
  for (const [outerA, outerB] of OUTERS) CASES.push(shapes(outerA, outerB, 9, 11, 5, ta, tb));
  CASES.push(shapes([2], [2], 64, 40, 70, ta, tb));
  CASES.push(shapes([3], [], 64, 40, 70, ta, tb));
  CASES.push(shapes([2, 1], [3], 40, 33, 64, ta, tb));
}

const label = (c: Case) => `[${c.a}]${c.transposeA ? 'ᵀ' : ''}·[${c.b}]${c.transposeB ? 'ᵀ' : ''}`;

function outShape(c: Case): number[] {
  const outer = tf.backend_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
  const m = c.transposeA ? c.a.at(-1) : c.a.at(-2);
  const n = c.transposeB ? c.b.at(-2) : c.b.at(-1);
  return [...outer, m as number, n as number];
}

/**
 * The cpu backend's product. Its BatchMatMul (like the shipped wasm one) returns too few values when
 * both sides broadcast ([2,1,…]·[1,3,…]), so operands are broadcast to the full outer shape first.
 */
async function onCpu(c: Case, seed: number): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const outer = outShape(c).slice(0, -2);
  const full = (shape: number[], values: Float32Array) =>
    tf.broadcastTo(tf.tensor(values, shape), [...outer, ...shape.slice(-2)]);
  const out = tf.tidy(() =>
    tf
      .matMul(
        full(c.a, seeded(sizeOf(c.a), seed)),
        full(c.b, seeded(sizeOf(c.b), seed + 1)),
        c.transposeA,
        c.transposeB,
      )
      .dataSync(),
  ) as Float32Array;
  await tf.setBackend('wasm');
  return out;
}

beforeAll(async () => {
  // Two threads: the patched backend's worker_threads path is what these products run on in training.
  await useWasmBackend({ threads: 2 });
  await tf.setBackend('cpu');
  await tf.ready();
  await tf.setBackend('wasm');
  batchMatMulKernel.register();
});

describe('wasm threads in Node (patched @tensorflow/tfjs-backend-wasm)', () => {
  it('runs the requested two threads', () => {
    expect(getThreadsCount()).toBe(2);
  });

  it('lets a process that used two threads exit by itself', () => {
    const script = `
      const tf = require('@tensorflow/tfjs');
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setThreadsCount(2);
      tf.setBackend('wasm').then(() => {
        const c = tf.matMul(tf.ones([256, 300]), tf.ones([300, 64]));
        console.log(wasm.getThreadsCount(), c.dataSync()[0]);
      });`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('2 300');
  });
});

describe('BatchMatMul kernel', () => {
  it('replaces the shipped kernel, idempotently and reversibly', () => {
    const mine = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    batchMatMulKernel.register();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(mine);
    batchMatMulKernel.unregister();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).not.toBe(mine);
    batchMatMulKernel.register();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(mine);
  });

  it('chooses the shipped kernel where it is already fast or the case is unsupported', () => {
    const info = (shape: number[], dtype: tf.DataType = 'float32') => ({ dataId: {}, shape, dtype });
    expect(chooseMatMulStrategy(info([4, 5]), info([5, 6]), false, false)).toBe('shipped');
    expect(chooseMatMulStrategy(info([5, 4], 'int32'), info([5, 6], 'int32'), true, false)).toBe('shipped');
    expect(chooseMatMulStrategy(info([1, 5, 4]), info([3, 5, 6]), true, false)).toBe('shipped');
    // The shipped kernel would give a short result here, however small the matrices.
    expect(chooseMatMulStrategy(info([2, 1, 5, 4]), info([1, 3, 5, 6]), true, false)).not.toBe('shipped');
    expect(chooseMatMulStrategy(info([2, 1, 5, 4]), info([1, 3, 4, 6]), false, false)).not.toBe('shipped');
    expect(chooseMatMulStrategy(info([256, 784]), info([256, 32]), true, false)).not.toBe('shipped');
  });

  const strategies: MatMulStrategy[] = ['materialise', 'swap'];
  it.each(CASES.map((c, i) => [label(c), c, i] as const))(
    'matches the cpu backend for %s, with every strategy',
    async (_, c, i) => {
      const expected = await onCpu(c, 10 * i + 1);
      const backend = wasmBackend();
      const a = tf.tensor(seeded(sizeOf(c.a), 10 * i + 1), c.a);
      const b = tf.tensor(seeded(sizeOf(c.b), 10 * i + 2), c.b);
      for (const strategy of strategies) {
        const before = backend.numDataIds();
        const out = matMulWith(backend, a, b, c.transposeA, c.transposeB, strategy);
        // Exactly one new tensor: every intermediate was released.
        expect(backend.numDataIds()).toBe(before + 1);
        expect(out.shape).toEqual(outShape(c));
        const values = backend.readSync(out.dataId) as Float32Array;
        backend.disposeData(out.dataId);
        expect(relError(values, expected), strategy).toBeLessThanOrEqual(TOLERANCE);
      }
      // Through the engine, with whatever the kernel chooses.
      const viaEngine = tf.matMul(a, b, c.transposeA, c.transposeB);
      expect(viaEngine.shape).toEqual(outShape(c));
      expect(relError(viaEngine.dataSync(), expected)).toBeLessThanOrEqual(TOLERANCE);
      tf.dispose([a, b, viaEngine]);
    },
  );

  it('gives the cpu backend’s Dense-layer gradients (fused forward, transposed backward)', async () => {
    const x = seeded(256 * 100, 5);
    const w = seeded(100 * 48, 6);
    const bias = seeded(48, 7);
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.matMul({ a: xt, b: wt, bias: bt, activation: 'relu' })));
        const g = tf.grads(f)([tf.tensor(x, [256, 100]), tf.tensor(w, [100, 48]), tf.tensor(bias, [48])]);
        return g.map((t) => t.dataSync() as Float32Array);
      });
    };
    const expected = await grads('cpu');
    const actual = await grads('wasm');
    for (let i = 0; i < expected.length; i++) {
      expect(relError(actual[i] as Float32Array, expected[i] as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
