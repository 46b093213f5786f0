import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { leadingAxes, sumRows } from '../src/sum.ts';
import { expectParity, relError, seeded, setUpBackends, sizeOf, wasmBackend } from './parity.ts';

// Sums of up to ~10⁵ terms in another order (pairwise here, sequential on cpu).
const TOLERANCE = 2e-5;

beforeAll(setUpBackends);

describe('leadingAxes', () => {
  it('accepts exactly the axes 0..k-1 for k < rank', () => {
    expect(leadingAxes([4, 5, 6], [0])).toBe(1);
    expect(leadingAxes([4, 5, 6], [1, 0])).toBe(2);
    expect(leadingAxes([4, 5, 6], [-3, -2])).toBe(2);
    expect(leadingAxes([4, 5, 6], [0, 1, 2])).toBeUndefined();
    expect(leadingAxes([4, 5, 6], [1])).toBeUndefined();
    expect(leadingAxes([4, 5, 6], [0, 2])).toBeUndefined();
  });
});

describe('Sum over leading axes', () => {
  // Row counts: odd ones (the odd-row path at some level), powers of two, and below the tree's size.
  const shapes: [number[], number[]][] = [
    [
      [128, 28, 28, 16],
      [0, 1, 2],
    ],
    [
      [128, 14, 14, 32],
      [0, 1, 2],
    ],
    [
      [128, 7, 7, 8],
      [0, 1, 2],
    ],
    [[128, 256], [0]],
    [[256, 784], [0]],
    [
      [1, 128, 28],
      [0, 1],
    ],
    [[1001, 33], [0]],
    [
      [3, 5, 7, 9],
      [0, 1],
    ],
    [[7, 3], [0]],
    [[1, 4], [0]],
    [[5000, 1], [0]],
    [[4097, 5], [0]],
  ];
  for (const [shape, axes] of shapes) {
    for (const keepDims of [false, true]) {
      it(`[${shape}] over [${axes}] keepDims ${keepDims}`, async () => {
        const values = seeded(sizeOf(shape), sizeOf(shape));
        await expectParity(() => tf.sum(tf.tensor(values, shape), axes, keepDims), TOLERANCE);
      });
    }
  }

  it('sums rows directly through the tree', async () => {
    await tf.setBackend('wasm');
    const backend = wasmBackend();
    for (const [rows, cols] of [
      [100352, 16],
      [2049, 8],
      [3, 4],
    ] as const) {
      const values = seeded(rows * cols, rows);
      const x = tf.tensor(values, [rows, cols]);
      const out = sumRows(backend, { dataId: x.dataId, shape: x.shape, dtype: 'float32' }, rows, cols);
      const got = backend.readSync(out.dataId) as Float32Array;
      backend.disposeData(out.dataId);
      const expected = new Float64Array(cols);
      for (let i = 0; i < values.length; i++)
        expected[i % cols] = (expected[i % cols] as number) + (values[i] as number);
      expect(relError(got, expected)).toBeLessThanOrEqual(1e-6);
      x.dispose();
    }
  });

  it('falls back for other axes and dtypes', async () => {
    const values = seeded(3 * 4 * 5, 9);
    for (const axes of [[1], [2], [0, 2], [1, 2], [0, 1, 2], undefined]) {
      await expectParity(() => tf.sum(tf.tensor(values, [3, 4, 5]), axes), TOLERANCE);
    }
    const ints = Int32Array.from({ length: 60 }, (_, i) => i * 7 - 100);
    await expectParity(() => tf.sum(tf.tensor(ints, [12, 5], 'int32'), 0));
    // (Not through cast: the shipped wasm Cast int32 → bool gives wrong values.)
    const bools = Uint8Array.from(ints, (v) => (v > 0 ? 1 : 0));
    await expectParity(() => tf.sum(tf.tensor(bools, [12, 5], 'bool'), 0));
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seeded(100352 * 16, 1), [100352, 16]);
    const before = tf.memory().numTensors;
    const backend = wasmBackend();
    const bytesBefore = backend.numDataIds();
    tf.sum(x, 0).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.numDataIds()).toBe(bytesBefore);
    x.dispose();
  });
});
