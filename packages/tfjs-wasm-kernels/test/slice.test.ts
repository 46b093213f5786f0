import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countCalls, expectParity, seeded, setUpBackends, sizeOf } from './parity.ts';

// Slice, Unpack and SplitV copy values: results must match the cpu backend exactly.
beforeAll(setUpBackends);

const values = (shape: number[], seed: number) => seeded(sizeOf(shape), seed);

describe('Slice', () => {
  const cases: [number[], number[], number[]][] = [
    [
      [28, 128, 64],
      [5, 0, 0],
      [1, 128, 64],
    ],
    [
      [128, 28, 64],
      [0, 7, 0],
      [128, 1, 64],
    ],
    [
      [128, 256],
      [0, 64],
      [128, 64],
    ],
    [
      [128, 256],
      [3, 0],
      [-1, 256],
    ],
    [
      [6, 7],
      [1, 2],
      [4, -1],
    ],
    [
      [4, 5, 6, 7],
      [1, 0, 2, 3],
      [2, 5, 3, 4],
    ],
    [
      [2, 3, 4, 5, 6],
      [1, 1, 0, 2, 1],
      [1, 2, 4, 2, 5],
    ],
    [[10], [3], [5]],
    [
      [3, 4],
      [1, 1],
      [0, 2],
    ],
    [
      [2, 3, 40],
      [0, 1, 3],
      [2, 2, 33],
    ],
  ];
  for (const [shape, begin, size] of cases) {
    it(`[${shape}] from [${begin}] size [${size}]`, async () => {
      await expectParity(() => tf.slice(tf.tensor(values(shape, shape.length), shape), begin, size));
    });
  }

  it('handles int32 and bool, and leaves strings to the shipped kernel', async () => {
    const ints = Int32Array.from({ length: 60 }, (_, i) => i - 30);
    await expectParity(() => tf.slice(tf.tensor(ints, [3, 4, 5], 'int32'), [1, 1, 1], [2, 2, 3]));
    const bools = Uint8Array.from({ length: 60 }, (_, i) => i % 3);
    await expectParity(() => tf.slice(tf.tensor(bools, [3, 4, 5], 'bool'), [0, 2, 1], [3, 2, 4]));
    await tf.setBackend('wasm');
    expect(tf.slice(tf.tensor(['a', 'b', 'c', 'd'], [2, 2]), [1, 0], [1, 2]).arraySync()).toEqual([
      ['c', 'd'],
    ]);
  });
});

describe('Unpack', () => {
  const cases: [number[], number][] = [
    [[28, 128, 28], 0],
    [[128, 28, 64], 1],
    [[4, 5, 6], 2],
    [[4, 5, 6], -1],
    [[3, 1, 2], 1],
    [[7], 0],
  ];
  for (const [shape, axis] of cases) {
    it(`[${shape}] along ${axis}`, async () => {
      await expectParity(() => tf.unstack(tf.tensor(values(shape, 3), shape), axis));
    });
  }

  it('reads the input once instead of slicing per output', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(values([28, 16, 8], 1), [28, 16, 8]);
    const slices = await countCalls('Slice', async () => {
      tf.dispose(tf.unstack(x));
    });
    expect(slices).toBe(0);
    x.dispose();
  });
});

describe('SplitV', () => {
  const cases: [number[], number | number[], number][] = [
    [[128, 256], 4, 1],
    [[128, 256], [64, 128, 64], -1],
    [[6, 5, 4], [1, 3, 2], 0],
    [[6, 5, 4], [2, -1, 1], 1],
    [[6, 5, 4], 2, 2],
  ];
  for (const [shape, splits, axis] of cases) {
    it(`[${shape}] into ${JSON.stringify(splits)} along ${axis}`, async () => {
      await expectParity(() => tf.split(tf.tensor(values(shape, 5), shape), splits, axis));
    });
  }
});
