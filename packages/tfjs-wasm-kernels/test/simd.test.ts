import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSimd, SIMD_OUT_DIR, SIMD_VARIANTS, sectionIds } from '../scripts/build-simd.ts';
import { FusedAdam } from '../src/adam.ts';
import {
  chooseFilterGradStrategy,
  conv2DBackpropFilterWith,
  filterGradInfo,
  SIMD_SPLIT_MIN,
} from '../src/conv2d-backprop-filter.ts';
import { heapPtr, MEMORY_BOUND_SPLIT_MIN, SimdKernels, simdKernels, splitBatch } from '../src/simd.ts';
import { relError, seeded, setUpBackendsWith, sizeOf, wasmBackend } from './parity.ts';

const TOLERANCE = 1e-4;
let backend: BackendWasm;

beforeAll(async () => {
  await setUpBackendsWith(2);
  backend = wasmBackend();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the SIMD module', () => {
  it('is built from assembly/kernels.ts as committed, with no data segment', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simd-'));
    try {
      await buildSimd(dir);
      for (const file of Object.values(SIMD_VARIANTS)) {
        const fresh = await readFile(path.join(dir, file));
        const committed = readFileSync(path.join(SIMD_OUT_DIR, file));
        expect(Buffer.compare(fresh, committed), `${file} is stale: run build:simd`).toBe(0);
        expect(sectionIds(committed)).not.toContain(11);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs on the threaded backend with a helper thread per extra XNNPACK thread', () => {
    expect(simdKernels(backend)?.threads).toBe(2);
  });

  it('splits a batch into contiguous, non-empty ranges', () => {
    expect(splitBatch(5, 2)).toEqual([
      [0, 2],
      [2, 5],
    ]);
    expect(splitBatch(1, 2)).toEqual([[0, 1]]);
    expect(splitBatch(7, 1)).toEqual([[0, 7]]);
  });

  it('runs every part on this thread when the helper cannot start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simd-worker-'));
    const file = path.join(dir, 'broken-worker.mjs');
    // What simd/worker.mjs reports when it cannot instantiate the module.
    await writeFile(
      file,
      "import { workerData } from 'node:worker_threads';\n" +
        'const c = new Int32Array(workerData.control);\n' +
        'Atomics.store(c, c.length - 2, -1);\n' +
        'Atomics.notify(c, c.length - 2);\n',
    );
    const memory = (backend as unknown as { wasm: { wasmMemory: WebAssembly.Memory } }).wasm.wasmMemory;
    const module = new WebAssembly.Module(readFileSync(path.join(SIMD_OUT_DIR, SIMD_VARIANTS.shared)));
    const kernels = new SimdKernels(module, memory, 1, pathToFileURL(file));
    expect(kernels.threads).toBe(2);
    await tf.setBackend('wasm');
    const x = tf.tidy(() => tf.randomUniform([4, 28, 28, 32], -1, 1, 'float32', 3));
    const dy = tf.tidy(() => tf.randomUniform([4, 14, 14, 32], -1, 1, 'float32', 4));
    const dx = backend.makeOutput([4, 28, 28, 32], 'float32');
    const ptrs = [heapPtr(backend, x), heapPtr(backend, dy), heapPtr(backend, dx)];
    const warned = new Promise((resolve) => process.once('warning', resolve));
    kernels.run('maxPool2x2Grad', [
      [...ptrs, 0, 2, 28, 28, 32, 14, 14, 0, 0],
      [...ptrs, 2, 4, 28, 28, 32, 14, 14, 0, 0],
    ]);
    expect(kernels.threads).toBe(1);
    expect(String(await warned)).toMatch(/did not start/);
    const want = maxPoolGradByBruteForce(
      x.dataSync() as Float32Array,
      dy.dataSync() as Float32Array,
      [4, 28, 28, 32],
    );
    expect(Array.from(backend.readSync(dx.dataId) as Float32Array)).toEqual(Array.from(want));
    backend.disposeData(dx.dataId);
    tf.dispose([x, dy]);
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a kernel that traps on a helper thread or this one, and keeps working', () => {
    const kernels = simdKernels(backend);
    if (kernels === undefined) throw new Error('no SIMD kernels');
    const beyond = 0xfffff000; // past any heap this test allocates: the access traps
    const bad = [beyond, beyond, beyond, 0, 1, 2, 2, 4, 1, 1, 0, 0];
    expect(() => kernels.run('maxPool2x2Grad', [bad])).toThrow();
    const x1 = tf.tidy(() => tf.ones([1, 2, 2, 4]));
    const dx1 = backend.makeOutput([1, 2, 2, 4], 'float32');
    const good = [
      heapPtr(backend, x1),
      heapPtr(backend, x1),
      heapPtr(backend, dx1),
      0,
      1,
      2,
      2,
      4,
      1,
      1,
      0,
      0,
    ];
    expect(() => kernels.run('maxPool2x2Grad', [good, bad])).toThrow(/helper thread/);
    backend.disposeData(dx1.dataId);
    x1.dispose();
    // Both threads still answer: a real pool afterwards is right.
    const x = tf.tidy(() => tf.randomUniform([4, 28, 28, 32], -1, 1, 'float32', 1));
    const dy = tf.tidy(() => tf.randomUniform([4, 14, 14, 32], -1, 1, 'float32', 2));
    const want = maxPoolGradByBruteForce(
      x.dataSync() as Float32Array,
      dy.dataSync() as Float32Array,
      [4, 28, 28, 32],
    );
    const dx = backend.makeOutput([4, 28, 28, 32], 'float32');
    kernels.run('maxPool2x2Grad', [
      [heapPtr(backend, x), heapPtr(backend, dy), heapPtr(backend, dx), 0, 2, 28, 28, 32, 14, 14, 0, 0],
      [heapPtr(backend, x), heapPtr(backend, dy), heapPtr(backend, dx), 2, 4, 28, 28, 32, 14, 14, 0, 0],
    ]);
    expect(Array.from(backend.readSync(dx.dataId) as Float32Array)).toEqual(Array.from(want));
    backend.disposeData(dx.dataId);
    tf.dispose([x, dy]);
  });
});

/** The filter gradient from the Conv2DBackpropFilter kernel registered on `on`. */
async function filterGradOn(
  on: 'cpu' | 'wasm',
  x: Float32Array,
  xShape: number[],
  dy: Float32Array,
  dyShape: number[],
  attrs: tf.Conv2DBackpropFilterAttrs,
): Promise<Float32Array> {
  await tf.setBackend(on);
  return tf.tidy(
    () =>
      (
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor
      ).dataSync() as Float32Array,
  );
}

describe("Conv2DBackpropFilter's 'simd' strategy matches the cpu backend", () => {
  // [batch, h, w, ci, co, kernel, stride, pad]: the models' layers at a small batch, odd sizes, both
  // vectorised sides (co, or ci when co is not a multiple of 4), channel tails of 4 and single rows.
  const cases: [number, number, number, number, number, number, number, 'same' | 'valid' | number][] = [
    [3, 28, 28, 1, 32, 3, 1, 'same'],
    [3, 14, 14, 32, 32, 3, 1, 'same'],
    [3, 7, 7, 32, 32, 3, 1, 'same'],
    [3, 28, 28, 32, 1, 3, 1, 'same'],
    [3, 28, 28, 1, 16, 3, 1, 'same'],
    [3, 14, 14, 16, 8, 3, 1, 'same'],
    [3, 16, 16, 8, 16, 3, 1, 'valid'],
    [3, 28, 28, 16, 1, 3, 1, 'same'],
    [2, 9, 11, 3, 12, 5, 2, 'same'],
    [2, 10, 7, 6, 20, 2, 2, 'valid'],
    [1, 8, 8, 8, 3, 3, 2, 1],
    [4, 6, 5, 5, 4, 1, 1, 'valid'],
    [2, 12, 12, 7, 36, 4, 3, 'same'],
  ];
  for (const [n, h, w, ci, co, k, s, pad] of cases) {
    it(`x[${n},${h},${w},${ci}] ${k}x${k}→${co} stride ${s} pad ${pad}`, async () => {
      const xShape: [number, number, number, number] = [n, h, w, ci];
      const attrs: tf.Conv2DBackpropFilterAttrs = {
        strides: s,
        pad,
        dataFormat: 'NHWC',
        filterShape: [k, k, ci, co],
      };
      const x = seeded(sizeOf(xShape), n * h + ci);
      await tf.setBackend('cpu');
      const dyShape = tf.tidy(
        () =>
          tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros([k, k, ci, co]) as tf.Tensor4D, s, pad as never)
            .shape,
      );
      const dy = seeded(sizeOf(dyShape), co + k);
      const expected = await filterGradOn('cpu', x, xShape, dy, dyShape, attrs);
      await tf.setBackend('wasm');
      const xt = tf.tensor(x, xShape);
      const dyt = tf.tensor(dy, dyShape);
      const info = filterGradInfo(xt, dyt, attrs);
      expect(chooseFilterGradStrategy(xt, dyt, info, true)).toBe('simd');
      const out = conv2DBackpropFilterWith('simd', backend, xt, dyt, info);
      expect(out.shape).toEqual([k, k, ci, co]);
      expect(relError(backend.readSync(out.dataId) as Float32Array, expected)).toBeLessThanOrEqual(TOLERANCE);
      backend.disposeData(out.dataId);
      tf.dispose([xt, dyt]);
    });
  }

  it('splits a large batch over both threads with the same result', async () => {
    const [n, h, ci, co] = [5, 14, 16, 16];
    expect(n * h * h * 9 * ci * co).toBeGreaterThanOrEqual(SIMD_SPLIT_MIN);
    const xShape = [n, h, h, ci];
    const dyShape = [n, h, h, co];
    const attrs: tf.Conv2DBackpropFilterAttrs = {
      strides: 1,
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape: [3, 3, ci, co],
    };
    const x = seeded(sizeOf(xShape), 91);
    const dy = seeded(sizeOf(dyShape), 92);
    const expected = await filterGradOn('cpu', x, xShape, dy, dyShape, attrs);
    const got = await filterGradOn('wasm', x, xShape, dy, dyShape, attrs);
    expect(relError(got, expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('leaves channel counts with no multiple of 4 to the other strategies', async () => {
    await tf.setBackend('wasm');
    const xt = tf.zeros([2, 8, 8, 3]);
    const dyt = tf.zeros([2, 8, 8, 6]);
    const attrs: tf.Conv2DBackpropFilterAttrs = {
      strides: 1,
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape: [3, 3, 3, 6],
    };
    const info = filterGradInfo(xt, dyt, attrs);
    expect(chooseFilterGradStrategy(xt, dyt, info, true)).not.toBe('simd');
    tf.dispose([xt, dyt]);
  });
});

/** A 2×2 window's offsets, row-major: the order in which ties are broken. */
const WINDOW_2X2 = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
] as const;

/** dx of a 2×2 stride-2 'valid' max pool, NHWC: each dy to its window's first strict maximum. */
function maxPoolGradByBruteForce(x: Float32Array, dy: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const [ho, wo] = [Math.floor((h as number) / 2), Math.floor((w as number) / 2)];
  const dx = new Float32Array(x.length);
  let d = 0;
  for (let b = 0; b < (n as number); b++) {
    for (let r = 0; r < ho; r++) {
      for (let q = 0; q < wo; q++) {
        for (let k = 0; k < (c as number); k++, d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (const [i, j] of WINDOW_2X2) {
            const idx = ((b * (h as number) + 2 * r + i) * (w as number) + 2 * q + j) * (c as number) + k;
            if ((x[idx] as number) > best) {
              best = x[idx] as number;
              at = idx;
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (dy[d] as number);
        }
      }
    }
  }
  return dx;
}

describe('MaxPoolGrad on the SIMD path', () => {
  it('routes each gradient to the first strict maximum, passing none for NaN and -Infinity windows', async () => {
    const shape = [2, 6, 8, 8];
    // Few distinct values: many ties; some NaN and -Infinity, whole windows of them included.
    const x = seeded(sizeOf(shape), 5).map((v, i) => {
      if (i % 13 === 0) return Number.NaN;
      if (i % 7 === 0) return Number.NEGATIVE_INFINITY;
      return Math.round(v * 2);
    });
    for (let k = 0; k < 8; k++) {
      for (const [i, j] of WINDOW_2X2) {
        x[(i * 8 + j) * 8 + k] = k < 4 ? Number.NaN : Number.NEGATIVE_INFINITY;
      }
    }
    const dyShape = [2, 3, 4, 8];
    const dy = seeded(sizeOf(dyShape), 6);
    await tf.setBackend('wasm');
    const got = tf.tidy(() =>
      (
        tf
          .engine()
          .runKernel(
            'MaxPoolGrad',
            { dy: tf.tensor(dy, dyShape), input: tf.tensor(x, shape), output: tf.tensor(dy, dyShape) },
            { filterSize: 2, strides: 2, pad: 'valid' },
          ) as tf.Tensor
      ).dataSync(),
    );
    expect(Array.from(got)).toEqual(Array.from(maxPoolGradByBruteForce(x, dy, shape)));
  });

  it('splits a large batch over both threads with the same result', async () => {
    const shape = [11, 56, 56, 32];
    expect(sizeOf(shape)).toBeGreaterThanOrEqual(MEMORY_BOUND_SPLIT_MIN);
    const x = seeded(sizeOf(shape), 7);
    const dyShape = [11, 28, 28, 32];
    const dy = seeded(sizeOf(dyShape), 8);
    await tf.setBackend('wasm');
    const got = tf.tidy(() =>
      tf
        .grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'same'))(
          tf.tensor(x, shape),
          tf.tensor(dy, dyShape),
        )
        .dataSync(),
    );
    expect(Array.from(got)).toEqual(Array.from(maxPoolGradByBruteForce(x, dy, shape)));
  });
});

/** y = 2× nearest-neighbour upsampling of x, NHWC, by index arithmetic. */
function upsampleByIndex(x: ArrayLike<number>, [n, h, w, c]: number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < (n as number); b++) {
    for (let r = 0; r < 2 * (h as number); r++) {
      for (let q = 0; q < 2 * (w as number); q++) {
        for (let k = 0; k < (c as number); k++) {
          out.push(
            x[((b * (h as number) + (r >> 1)) * (w as number) + (q >> 1)) * (c as number) + k] as number,
          );
        }
      }
    }
  }
  return out;
}

describe('2× upsampling on the SIMD path', () => {
  // The models' shapes at a small batch, an odd size, and a batch large enough to split over threads.
  for (const shape of [
    [3, 7, 7, 32],
    [2, 14, 14, 16],
    [2, 5, 3, 4],
    [11, 28, 28, 32],
  ]) {
    it(`forward and gradient of [${shape}] are exact`, async () => {
      const [n, h, w, c] = shape as [number, number, number, number];
      const x = seeded(sizeOf(shape), h + c);
      const dyShape = [n, 2 * h, 2 * w, c];
      const dy = seeded(sizeOf(dyShape), 3);
      await tf.setBackend('wasm');
      const [y, dx] = tf.tidy(() => {
        const f = (a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [2 * h, 2 * w]);
        return [
          f(tf.tensor(x, shape)).dataSync(),
          tf.grad(f)(tf.tensor(x, shape), tf.tensor(dy, dyShape)).dataSync(),
        ];
      });
      expect(Array.from(y as Float32Array)).toEqual(upsampleByIndex(x, shape));
      // dx[pixel] = its 2×2 block of dy, summed in the JS path's order, in float32.
      const blocks = upsampleByIndex(
        Float32Array.from({ length: sizeOf(shape) }, (_, i) => i),
        shape,
      );
      const sums = new Float32Array(sizeOf(shape));
      for (let i = 0; i < dy.length; i++)
        sums[blocks[i] as number] = Math.fround((sums[blocks[i] as number] as number) + (dy[i] as number));
      expect(Array.from(dx as Float32Array)).toEqual(Array.from(sums));
      if (n === 11) expect(sizeOf(dyShape)).toBeGreaterThanOrEqual(MEMORY_BOUND_SPLIT_MIN);
    });
  }

  it('copies int32 values bit for bit', async () => {
    const shape: [number, number, number, number] = [2, 3, 5, 8];
    const x = Int32Array.from({ length: sizeOf(shape) }, (_, i) => (i * 2654435761) | 0);
    await tf.setBackend('wasm');
    const y = tf.tidy(() =>
      tf.image.resizeNearestNeighbor(tf.tensor(x, shape, 'int32') as tf.Tensor4D, [6, 10]).dataSync(),
    );
    expect(Array.from(y)).toEqual(upsampleByIndex(x, shape));
  });
});

describe('gemm', () => {
  // Row blocks of 4 and single rows; column blocks of 32, 8 and 4.
  for (const [m, k, n] of [
    [128, 64, 256],
    [128, 256, 64],
    [5, 3, 12],
    [3, 7, 36],
    [1, 1, 4],
  ] as const) {
    it(`C += A[${m},${k}]·B[${k},${n}]`, async () => {
      await tf.setBackend('wasm');
      const kernels = simdKernels(backend);
      if (kernels === undefined) throw new Error('no SIMD kernels');
      const [a, b, c] = [
        [m, k],
        [k, n],
        [m, n],
      ].map((shape, i) => tf.tensor(seeded(sizeOf(shape), 50 + i), shape));
      const [av, bv, cv] = [a, b, c].map((t) => t?.dataSync() as Float32Array) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const expected = Float64Array.from(cv);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < n; j++) {
          let sum = expected[r * n + j] as number;
          for (let q = 0; q < k; q++) sum += (av[r * k + q] as number) * (bv[q * n + j] as number);
          expected[r * n + j] = sum;
        }
      }
      kernels.run('gemm', [[a, b, c].map((t) => heapPtr(backend, t as tf.Tensor)).concat([m, k, n])]);
      expect(
        relError(backend.readSync((c as tf.Tensor).dataId) as Float32Array, Float32Array.from(expected)),
      ).toBeLessThanOrEqual(1e-6);
      tf.dispose([a, b, c] as tf.Tensor[]);
    });
  }
});

describe('FusedAdam', () => {
  /** Values after `steps` updates by `make()`'s optimizer, with a learning-rate change midway. */
  function train(make: () => tf.AdamOptimizer, steps: number): Float32Array[] {
    // Sizes with scalar tails (not multiples of 4), and a large one.
    const shapes = [[7], [3, 5], [300, 1000], [64]];
    const vars = tf.tidy(() =>
      shapes.map((shape, i) => tf.variable(tf.tensor(seeded(sizeOf(shape), 20 + i), shape))),
    );
    const optimizer = make();
    for (let step = 0; step < steps; step++) {
      if (step === 3) (optimizer as unknown as { learningRate: number }).learningRate = 1e-4;
      const grads = vars.map((v, i) => ({
        name: v.name,
        tensor: tf.tensor(seeded(v.size, 100 * step + i), v.shape),
      }));
      optimizer.applyGradients(grads);
      tf.dispose(grads.map((g) => g.tensor));
    }
    const weights = tf.tidy(() => [...vars.map((v) => v.dataSync() as Float32Array)]);
    const moments = (optimizer as unknown as { accumulatedSecondMoment: { variable: tf.Variable }[] })
      .accumulatedSecondMoment;
    const out = [...weights, ...moments.map((m) => m.variable.dataSync() as Float32Array)];
    optimizer.dispose();
    tf.dispose(vars);
    return out;
  }

  it('is bit-identical to tfjs Adam on the wasm backend, in one kernel per variable', async () => {
    await tf.setBackend('wasm');
    const expected = train(() => new tf.AdamOptimizer(1e-3, 0.9, 0.999), 6);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => train(() => new FusedAdam(1e-3, 0.9, 0.999), 6));
    // tfjs's Adam runs Sqrt and RealDiv per variable and step; the fused one none.
    expect(profile.kernelNames.filter((k) => k === 'Sqrt' || k === 'RealDiv')).toEqual([]);
    const values = profile.result as unknown as Float32Array[];
    expect(values).toHaveLength(expected.length);
    values.forEach((v, i) => {
      expect(
        Buffer.from(v.buffer).equals(Buffer.from((expected[i] as Float32Array).buffer)),
        `array ${i}`,
      ).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes tfjs’s own path on another backend', async () => {
    await tf.setBackend('cpu');
    const expected = train(() => new tf.AdamOptimizer(1e-3, 0.9, 0.999), 3);
    const got = train(() => new FusedAdam(1e-3, 0.9, 0.999), 3);
    got.forEach((v, i) => {
      expect(Array.from(v)).toEqual(Array.from(expected[i] as Float32Array));
    });
  });
});

describe('Identity', () => {
  it('shares storage, and the clone outlives the original', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor([1, 2, 3, 4]);
    const b = tf.clone(a);
    expect(b.dataId).toBe(a.dataId);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    b.dispose();
  });
});
