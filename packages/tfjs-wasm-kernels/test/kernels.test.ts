import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chooseFilterGradStrategy,
  conv2DBackpropFilterWith,
  type FilterGradStrategy,
  filterGradInfo,
} from '../src/conv2d-backprop-filter.ts';
import {
  chooseInputGradStrategy,
  conv2DBackpropInputWith,
  type InputGradStrategy,
  inputGradInfo,
} from '../src/conv2d-backprop-input.ts';
import { FAST_KERNELS, register, unregister } from '../src/register.ts';
import { relError, seeded, setUpBackendsWith, sizeOf, wasmBackend } from './parity.ts';

const TOLERANCE = 1e-4;

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

/** Gradients of `f` with respect to every input, for the upstream gradient `dy`, on one backend. */
async function gradsOn(
  backend: 'cpu' | 'wasm',
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: { shape: number[]; values: Float32Array }[],
  dyValues: (outShape: number[]) => Float32Array,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const outShape = f(...xs).shape;
    const dy = tf.tensor(dyValues(outShape), outShape);
    const g = tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

async function expectSameGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
  seed: number,
  transform: (v: number) => number = (v) => v,
): Promise<void> {
  const inputs = shapes.map((shape, i) => ({
    shape,
    values: seeded(sizeOf(shape), seed + i).map(transform),
  }));
  const dy = (s: number[]) => seeded(sizeOf(s), seed + 100);
  const expected = await gradsOn('cpu', f, inputs, dy);
  const actual = await gradsOn('wasm', f, inputs, dy);
  for (let i = 0; i < expected.length; i++) {
    expect(relError(actual[i] as Float32Array, expected[i] as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
  }
}

function readAndRelease(info: tf.TensorInfo): Float32Array {
  const b = wasmBackend();
  const v = b.readSync(info.dataId) as Float32Array;
  b.disposeData(info.dataId);
  return v;
}

beforeAll(async () => {
  await setUpBackendsWith(2);
});

describe('registration', () => {
  it('names the four gradient kernels and is idempotent', async () => {
    expect(FAST_KERNELS).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'MaxPoolGrad',
        'ResizeNearestNeighborGrad',
      ]),
    );
    const before = FAST_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    register();
    expect(FAST_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc)).toEqual(before);
    unregister();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).not.toBe(
      before[FAST_KERNELS.indexOf('MaxPoolGrad')],
    );
    register();
    expect(FAST_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc)).toEqual(before);
  });
});

/** [batch, height, width, inChannels, outChannels], cycled through the kernel/stride/pad grid. */
const CONV_SHAPES: [number, number, number, number, number][] = [
  [1, 7, 7, 1, 4],
  [3, 8, 6, 3, 2],
  [8, 9, 10, 2, 1],
  [3, 6, 9, 5, 8],
  [1, 10, 8, 8, 3],
  [8, 5, 5, 4, 6],
];

interface ConvCase {
  name: string;
  xShape: [number, number, number, number];
  k: number;
  co: number;
  strides: number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let i = 0;
  for (const k of [1, 2, 3, 5]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (let v = 0; v < 2; v++) {
          const [n, h, w, ci, co] = CONV_SHAPES[i++ % CONV_SHAPES.length] as [
            number,
            number,
            number,
            number,
            number,
          ];
          cases.push({
            name: `k${k} s${strides} ${pad} x[${n},${h},${w},${ci}] co${co}`,
            xShape: [n, h, w, ci],
            k,
            co,
            strides,
            pad,
          });
        }
      }
    }
  }
  // Explicit padding, including more than k-1 rows (the input gradient then crops dy).
  cases.push({
    name: 'explicit asymmetric',
    xShape: [3, 7, 8, 3],
    k: 3,
    co: 4,
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  });
  cases.push({
    name: 'explicit wide stride 2',
    xShape: [2, 9, 7, 2],
    k: 3,
    co: 3,
    strides: 2,
    pad: [
      [0, 0],
      [4, 0],
      [0, 1],
      [0, 0],
    ],
  });
  cases.push({
    name: 'numeric pad, round',
    xShape: [2, 8, 9, 3],
    k: 3,
    co: 2,
    strides: 2,
    pad: 1,
    dimRoundingMode: 'round',
  });
  // The models' layers at a small batch.
  cases.push({
    name: 'model conv 28x28 1->16',
    xShape: [3, 28, 28, 1],
    k: 3,
    co: 16,
    strides: 1,
    pad: 'same',
  });
  cases.push({
    name: 'model conv 16x16 8->16 valid',
    xShape: [3, 16, 16, 8],
    k: 3,
    co: 16,
    strides: 1,
    pad: 'valid',
  });
  cases.push({
    name: 'model conv 28x28 16->1',
    xShape: [3, 28, 28, 16],
    k: 3,
    co: 1,
    strides: 1,
    pad: 'same',
  });
  cases.push({ name: 'model conv 7x7 32->32', xShape: [3, 7, 7, 32], k: 3, co: 32, strides: 1, pad: 'same' });
  return cases;
}

/**
 * Gradients of conv2d derived from the cpu forward op alone: its output is linear in x and in w, so
 * convolving with an identity filter gives im2col(x) (dW = im2colᵀ·dy) and convolving one-hot images
 * gives the columns of the input Jacobian. Used where the cpu gradient kernels are not a valid
 * reference (core drops dimRoundingMode when it calls them).
 */
function convGradsFromForward(
  c: ConvCase,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
): Float32Array[] {
  const [n, h, wd, ci] = c.xShape;
  const k2 = c.k * c.k * ci;
  return tf.tidy(() => {
    const conv = (a: tf.Tensor4D, f: tf.Tensor4D) =>
      tf.conv2d(a, f, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode);
    const xt = tf.tensor4d(x, c.xShape);
    const eye = tf.reshape(tf.eye(k2), [c.k, c.k, ci, k2]) as tf.Tensor4D;
    const patches = conv(xt, eye);
    const [, ho, wo] = patches.shape;
    const dy2 = tf.tensor2d(dy, [n * ho * wo, c.co]);
    const dw = tf.matMul(tf.reshape(patches, [n * ho * wo, k2]), dy2, true, false);
    const m = h * wd * ci;
    const basis = tf.reshape(tf.eye(m), [m, h, wd, ci]) as tf.Tensor4D;
    const jac = tf.reshape(conv(basis, tf.tensor4d(w, [c.k, c.k, ci, c.co])), [m, ho * wo * c.co]);
    const dx = tf.matMul(tf.reshape(dy2, [n, ho * wo * c.co]), jac, false, true);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

describe('Conv2D gradients match the cpu backend', () => {
  for (const c of convCases()) {
    it(c.name, async () => {
      const [, , , ci] = c.xShape;
      const fShape = [c.k, c.k, ci, c.co] as [number, number, number, number];
      const conv = (x: tf.Tensor, w: tf.Tensor) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode);
      const x = seeded(sizeOf(c.xShape), 1);
      const w = seeded(sizeOf(fShape), 2);
      await tf.setBackend('cpu');
      const dyShape = tf.tidy(() => conv(tf.tensor4d(x, c.xShape), tf.tensor4d(w, fShape)).shape);
      const dyValues = seeded(sizeOf(dyShape), 3);
      const inputs = [
        { shape: c.xShape, values: x },
        { shape: fShape, values: w },
      ];
      const [dxExpected, dwExpected] = (
        c.dimRoundingMode === undefined
          ? await gradsOn('cpu', conv, inputs, () => dyValues)
          : convGradsFromForward(c, x, w, dyValues)
      ) as [Float32Array, Float32Array];
      const [dxWasm, dwWasm] = (await gradsOn('wasm', conv, inputs, () => dyValues)) as [
        Float32Array,
        Float32Array,
      ];
      expect(relError(dxWasm, dxExpected), 'dx').toBeLessThanOrEqual(TOLERANCE);
      expect(relError(dwWasm, dwExpected), 'dW').toBeLessThanOrEqual(TOLERANCE);

      // Every strategy, not only the chosen one, must be right on this case.
      const backend = wasmBackend();
      const xt = tf.tensor4d(x, c.xShape);
      const wt = tf.tensor4d(w, fShape);
      const dy = tf.tensor(dyValues, dyShape);
      // What core passes to the kernels: no dimRoundingMode.
      const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const };
      const fInfo = filterGradInfo(xt, dy, { ...common, filterShape: fShape });
      const filterStrategies: FilterGradStrategy[] = ['gemm-x', 'gemm-dy', 'reference'];
      const pb = c.k + (fInfo.outHeight - 1) * c.strides - fInfo.inHeight - fInfo.padInfo.top;
      const pr = c.k + (fInfo.outWidth - 1) * c.strides - fInfo.inWidth - fInfo.padInfo.left;
      if (pb >= 0 && pr >= 0) filterStrategies.push('conv');
      if (ci % 4 === 0 || c.co % 4 === 0) filterStrategies.push('simd');
      for (const s of filterStrategies) {
        const got = readAndRelease(conv2DBackpropFilterWith(s, backend, xt, dy, fInfo));
        expect(relError(got, dwExpected), `filter strategy ${s}`).toBeLessThanOrEqual(TOLERANCE);
      }
      const iInfo = inputGradInfo(dy, wt, { ...common, inputShape: c.xShape });
      const inputStrategies: InputGradStrategy[] = ['conv-dilated', 'reference'];
      if (chooseInputGradStrategy(dy, wt, iInfo) === 'conv') inputStrategies.push('conv');
      for (const s of inputStrategies) {
        const got = readAndRelease(conv2DBackpropInputWith(s, backend, dy, wt, iInfo));
        expect(relError(got, dxExpected), `input strategy ${s}`).toBeLessThanOrEqual(TOLERANCE);
      }
      tf.dispose([xt, wt, dy]);
    });
  }

  it('is not fooled by an XNNPACK operator cached under x’s id with another shape', async () => {
    // The wasm BatchMatMul caches its packed weights by tensor id alone; a reshape keeps the id.
    const xShape = [2, 8, 8, 4] as [number, number, number, number];
    const fShape = [3, 3, 4, 1] as [number, number, number, number];
    const x = seeded(sizeOf(xShape), 11);
    const d = seeded(2 * 8 * 8, 12);
    const run = async (be: 'cpu' | 'wasm') => {
      await tf.setBackend(be);
      return tf.tidy(() => {
        const xt = tf.tensor4d(x, xShape);
        tf.matMul(tf.ones([1, 64]), tf.reshape(xt, [64, 8])).dataSync();
        const dy = tf.tensor4d(d, [2, 8, 8, 1]);
        const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: fShape } as const;
        return (tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, attrs) as tf.Tensor).dataSync();
      });
    };
    const expected = await run('cpu');
    expect(relError(await run('wasm'), expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('NCHW (unsupported by the fast paths) takes the reference path and matches cpu', async () => {
    const xShape = [3, 4, 7, 6] as [number, number, number, number]; // N, C, H, W
    const fShape = [3, 3, 4, 5] as [number, number, number, number];
    const dyShape = [3, 5, 4, 3]; // stride 2, 'same'
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' } as const;
    const x = seeded(sizeOf(xShape), 5);
    const w = seeded(sizeOf(fShape), 6);
    const d = seeded(sizeOf(dyShape), 7);
    const run = async (be: 'cpu' | 'wasm') => {
      await tf.setBackend(be);
      return tf.tidy(() => {
        const xt = tf.tensor4d(x, xShape);
        const wt = tf.tensor4d(w, fShape);
        const dy = tf.tensor(d, dyShape);
        const dw = tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: fShape });
        const dx = tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy, filter: wt }, { ...attrs, inputShape: xShape });
        return [(dw as tf.Tensor).dataSync(), (dx as tf.Tensor).dataSync()] as Float32Array[];
      });
    };
    const [dwCpu, dxCpu] = await run('cpu');
    const [dwWasm, dxWasm] = await run('wasm');
    expect(relError(dwWasm as Float32Array, dwCpu as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    expect(relError(dxWasm as Float32Array, dxCpu as Float32Array)).toBeLessThanOrEqual(TOLERANCE);

    const xt = tf.tensor4d(x, xShape);
    const wt = tf.tensor4d(w, fShape);
    const dy = tf.tensor(d, dyShape);
    expect(chooseFilterGradStrategy(xt, dy, filterGradInfo(xt, dy, { ...attrs, filterShape: fShape }))).toBe(
      'reference',
    );
    expect(chooseInputGradStrategy(dy, wt, inputGradInfo(dy, wt, { ...attrs, inputShape: xShape }))).toBe(
      'reference',
    );
    tf.dispose([xt, wt, dy]);
  });
});

describe('MaxPoolGrad matches the cpu backend', () => {
  const shapes: [number, number, number, number][] = [
    [1, 7, 7, 3],
    [3, 8, 6, 2],
    [8, 9, 10, 1],
    [3, 28, 28, 16],
  ];
  let i = 0;
  for (const size of [1, 2, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        const shape = shapes[i++ % shapes.length] as [number, number, number, number];
        it(`${size}x${size} s${strides} ${pad} x[${shape}]`, async () => {
          await expectSameGrads((x) => tf.maxPool(x as tf.Tensor4D, size, strides, pad), [shape], 40 + i);
        });
      }
    }
  }

  it('the models pools: 2x2 s2 same on 28, 14, 7 (odd) at batch 8', async () => {
    for (const [h, c] of [
      [28, 16],
      [14, 8],
      [7, 8],
    ] as const) {
      await expectSameGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'), [[8, h, h, c]], h);
    }
  });

  it('handles numeric and explicit padding, with windows wholly in the padding', async () => {
    const shape = [3, 7, 6, 4] as [number, number, number, number];
    const x = seeded(sizeOf(shape), 61);
    for (const [size, strides, pad] of [
      [2, 2, 2],
      [2, 2, 1],
      [3, 2, 3],
      [
        2,
        2,
        [
          [0, 0],
          [3, 0],
          [1, 2],
          [0, 0],
        ],
      ],
    ] as const) {
      const info = tf.backend_util.computePool2DInfo(shape, size, strides, 1, pad as never);
      const d = seeded(sizeOf(info.outShape), 62);
      const run = async (be: 'cpu' | 'wasm') => {
        await tf.setBackend(be);
        return tf.tidy(() => {
          const input = tf.tensor4d(x, shape);
          const dy = tf.tensor(d, info.outShape);
          const attrs = { filterSize: size, strides, pad } as unknown as tf.NamedAttrMap;
          return (
            tf.engine().runKernel('MaxPoolGrad', { dy, input, output: dy }, attrs) as tf.Tensor
          ).dataSync();
        });
      };
      const expected = await run('cpu');
      expect(relError(await run('wasm'), expected), JSON.stringify(pad)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('uses dy’s size when core drops dimRoundingMode (pad 1, ceil: 5×5 out of 8×8, not 4×4)', async () => {
    const shape = [2, 8, 8, 3] as [number, number, number, number];
    const x = seeded(sizeOf(shape), 71);
    await tf.setBackend('cpu');
    const yShape = tf.tidy(() => tf.maxPool(tf.tensor4d(x, shape), 3, 2, 1, 'ceil').shape);
    expect(yShape).toEqual([2, 5, 5, 3]);
    const d = seeded(sizeOf(yShape), 72);
    // The gradient of the forward op, by brute force: each dy goes to its window's first maximum.
    const expected = new Float32Array(x.length);
    let k = 0;
    for (let b = 0; b < 2; b++) {
      for (let r = 0; r < 5; r++) {
        for (let q = 0; q < 5; q++) {
          for (let c = 0; c < 3; c++, k++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let i = Math.max(0, 2 * r - 1); i < Math.min(8, 2 * r + 2); i++) {
              for (let j = Math.max(0, 2 * q - 1); j < Math.min(8, 2 * q + 2); j++) {
                const idx = ((b * 8 + i) * 8 + j) * 3 + c;
                if ((x[idx] as number) > best) {
                  best = x[idx] as number;
                  at = idx;
                }
              }
            }
            expected[at] = (expected[at] as number) + (d[k] as number);
          }
        }
      }
    }
    await tf.setBackend('wasm');
    const got = tf.tidy(() => {
      const input = tf.tensor4d(x, shape);
      const dy = tf.tensor(d, yShape);
      // What core passes: no dimRoundingMode.
      const attrs = { filterSize: 3, strides: 2, pad: 1 };
      return (tf.engine().runKernel('MaxPoolGrad', { dy, input, output: dy }, attrs) as tf.Tensor).dataSync();
    });
    expect(relError(got, expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('breaks ties like the cpu backend (relu zeros, repeated values)', async () => {
    const reluZerosAndRepeats = (v: number) => Math.max(0, Math.round(v * 4));
    for (const size of [2, 3]) {
      const f = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, size, 2, 'same');
      await expectSameGrads(f, [[3, 9, 7, 4]], 77, reluZerosAndRepeats);
    }
  });
});

describe('ResizeNearestNeighborGrad', () => {
  /**
   * The exact gradient, from the cpu forward op alone: resizing an image of pixel ids tells which input
   * pixel each output pixel copies, and dx sums dy over those. (The cpu gradient kernel itself is only
   * a valid reference at batch 1: for batch > 1 it offsets dy by the image's batch stride, and it
   * ignores halfPixelCenters.)
   */
  async function expectExactGrad(
    shape: [number, number, number, number],
    size: [number, number],
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): Promise<void> {
    const ids = Float32Array.from({ length: sizeOf(shape) }, (_, i) => i);
    const forward = async (be: 'cpu' | 'wasm') => {
      await tf.setBackend(be);
      return tf.tidy(() =>
        tf.image
          .resizeNearestNeighbor(tf.tensor4d(ids, shape), size, alignCorners, halfPixelCenters)
          .dataSync(),
      );
    };
    const src = await forward('cpu');
    // The gradient is the adjoint of the wasm forward op only if both forwards pick the same pixels.
    expect(Array.from(await forward('wasm'))).toEqual(Array.from(src));
    const dyShape = [shape[0], size[0], size[1], shape[3]];
    const dy = seeded(sizeOf(dyShape), 9);
    const expected = new Float32Array(sizeOf(shape));
    for (let i = 0; i < dy.length; i++) {
      const at = src[i] as number;
      expected[at] = (expected[at] as number) + (dy[i] as number);
    }
    await tf.setBackend('wasm');
    const got = tf.tidy(() => {
      const g = tf.grad((a: tf.Tensor) =>
        tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, alignCorners, halfPixelCenters),
      )(tf.tensor4d(ids, shape), tf.tensor(dy, dyShape));
      return g.dataSync();
    });
    expect(relError(got, expected)).toBeLessThanOrEqual(TOLERANCE);
  }

  const cases: { inHW: [number, number]; outHW: [number, number]; alignCorners: boolean }[] = [
    { inHW: [4, 4], outHW: [8, 8], alignCorners: false },
    { inHW: [7, 7], outHW: [14, 14], alignCorners: false },
    { inHW: [14, 14], outHW: [28, 28], alignCorners: false },
    { inHW: [5, 3], outHW: [7, 9], alignCorners: false },
    { inHW: [8, 9], outHW: [5, 4], alignCorners: false },
    { inHW: [5, 3], outHW: [7, 9], alignCorners: true },
    { inHW: [6, 6], outHW: [12, 11], alignCorners: true },
  ];
  for (const k of cases) {
    it(`matches cpu at batch 1: [${k.inHW}] -> [${k.outHW}] alignCorners=${k.alignCorners}`, async () => {
      const f = (x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, k.outHW, k.alignCorners);
      await expectSameGrads(f, [[1, ...k.inHW, 3]], 31);
    });
    for (const [b, c] of [
      [3, 1],
      [8, 8],
    ] as const) {
      it(`is exact: [${b},${k.inHW},${c}] -> [${k.outHW}] alignCorners=${k.alignCorners}`, async () => {
        await expectExactGrad([b, ...k.inHW, c], k.outHW, k.alignCorners, false);
      });
    }
  }
  for (const [inHW, outHW] of [
    [
      [5, 3],
      [7, 9],
    ],
    [
      [8, 9],
      [5, 4],
    ],
    [
      [7, 7],
      [14, 14],
    ],
  ] as const) {
    it(`is exact with halfPixelCenters: [${inHW}] -> [${outHW}]`, async () => {
      await expectExactGrad([3, inHW[0], inHW[1], 2], [...outHW], false, true);
    });
  }
});

describe('a conv autoencoder step', () => {
  it('gives the same variable gradients on wasm as on cpu', async () => {
    const f = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
      let h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      h = tf.maxPool(h, 2, 2, 'same');
      h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same'));
      h = tf.maxPool(h, 2, 2, 'same');
      h = tf.image.resizeNearestNeighbor(h, [8, 8]);
      h = tf.relu(tf.conv2d(h, w2.transpose([0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid'));
      h = tf.image.resizeNearestNeighbor(h, [12, 12]);
      return tf.sigmoid(tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same'));
    };
    // Batch 1: the cpu ResizeNearestNeighborGrad is wrong for larger batches (see above).
    await expectSameGrads(
      f,
      [
        [1, 14, 14, 1],
        [3, 3, 1, 8],
        [3, 3, 8, 8],
        [3, 3, 8, 1],
      ],
      123,
    );
  });
});
