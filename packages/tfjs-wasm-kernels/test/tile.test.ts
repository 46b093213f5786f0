import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { expectParity, seeded, setUpBackends, sizeOf } from './parity.ts';

// Tile copies values: results must match the cpu backend exactly.
beforeAll(setUpBackends);

describe('Tile', () => {
  const cases: [number[], number[]][] = [
    [
      [128, 1, 64],
      [1, 28, 1],
    ],
    [
      [128, 1],
      [1, 28],
    ],
    [[5], [3]],
    [
      [2, 3],
      [2, 2],
    ],
    [
      [2, 3],
      [1, 1],
    ],
    [
      [2, 1, 3],
      [3, 4, 2],
    ],
    [
      [2, 3, 1, 2],
      [2, 1, 3, 2],
    ],
    [
      [1, 2, 3, 2, 1],
      [2, 2, 1, 1, 3],
    ],
    [
      [3, 2],
      [0, 2],
    ],
  ];
  for (const [shape, reps] of cases) {
    it(`[${shape}] by [${reps}]`, async () => {
      await expectParity(() => tf.tile(tf.tensor(seeded(sizeOf(shape), shape.length), shape), reps));
    });
  }

  // (Strings go to the shipped kernel, which aborts the wasm module on them: not tested here.)
  it('handles int32 and bool', async () => {
    const ints = Int32Array.from({ length: 6 }, (_, i) => i * 1000 - 2500);
    await expectParity(() => tf.tile(tf.tensor(ints, [2, 3], 'int32'), [3, 2]));
    await expectParity(() => tf.tile(tf.tensor([1, 0, 1], [3, 1], 'bool'), [2, 3]));
  });

  it('gives the same gradient (RepeatVector backward)', async () => {
    const x = seeded(4 * 1 * 6, 2);
    await expectParity(
      () =>
        tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(tf.tile(t, [1, 5, 1]), tf.range(0, 5 * 6).reshape([1, 5, 6]))),
        )(tf.tensor(x, [4, 1, 6])),
      1e-6,
    );
  });
});
