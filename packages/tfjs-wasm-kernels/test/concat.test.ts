import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectParity, seeded, setUpBackends, sizeOf } from './parity.ts';

// Concat copies values: results must match the cpu backend exactly (int32 bit patterns included).
beforeAll(setUpBackends);

describe('Concat', () => {
  const cases: [number[][], number][] = [
    [
      [
        [128, 64],
        [128, 64],
        [128, 64],
        [128, 64],
      ],
      1,
    ],
    [
      [
        [128, 256],
        [64, 256],
      ],
      0,
    ],
    [
      [
        [128, 28, 3],
        [128, 28, 5],
      ],
      2,
    ],
    [
      [
        [2, 3, 4],
        [2, 5, 4],
        [2, 1, 4],
      ],
      1,
    ],
    [
      [
        [2, 3, 40],
        [2, 3, 24],
      ],
      -1,
    ],
    [
      [
        [3, 0],
        [3, 4],
        [3, 2],
      ],
      1,
    ],
    [[[4], [7]], 0],
  ];
  for (const [shapes, axis] of cases) {
    it(`${JSON.stringify(shapes)} along ${axis}`, async () => {
      await expectParity(() =>
        tf.concat(
          shapes.map((s, i) => tf.tensor(seeded(sizeOf(s), i + 1), s)),
          axis,
        ),
      );
    });
  }

  it('keeps int32 bit patterns, handles bool and leaves strings to the shipped kernel', async () => {
    const ints = Int32Array.from([-1, 2147483647, -2147483648, 0, -4194305, 7]);
    await expectParity(() =>
      tf.concat([tf.tensor(ints, [2, 3], 'int32'), tf.tensor(ints.slice().reverse(), [2, 3], 'int32')], 1),
    );
    await expectParity(() =>
      tf.concat([tf.tensor([1, 0], [2, 1], 'bool'), tf.tensor([0, 1], [2, 1], 'bool')], 1),
    );
    await tf.setBackend('wasm');
    expect(tf.concat([tf.tensor(['a'], [1]), tf.tensor(['b', 'c'], [2])]).arraySync()).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('gives the same gradient through SplitV (the LSTM gates)', async () => {
    const x = seeded(8 * 16, 4);
    await expectParity(
      () =>
        tf.grad((t: tf.Tensor) => {
          const [a, b, c, d] = tf.split(t, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.sum(tf.add(tf.mul(tf.sigmoid(a), tf.tanh(b)), tf.mul(c, tf.square(d))));
        })(tf.tensor(x, [8, 16])),
      1e-6,
    );
  });
});

describe('Pack', () => {
  const cases: [number[], number, number][] = [
    [[128, 64], 28, 1],
    [[128, 64], 28, 0],
    [[128, 28], 28, -1],
    [[2, 3, 4], 5, 2],
    [[3], 4, 0],
    [[2, 0], 3, 1],
  ];
  for (const [shape, count, axis] of cases) {
    it(`${count} × [${shape}] along ${axis}`, async () => {
      await expectParity(() =>
        tf.stack(
          Array.from({ length: count }, (_, i) => tf.tensor(seeded(sizeOf(shape), i + 1), shape)),
          axis,
        ),
      );
    });
  }

  it('handles int32 and bool', async () => {
    const ints = Int32Array.from([-1, 2147483647, -2147483648, 0, -4194305, 7]);
    await expectParity(() =>
      tf.stack([tf.tensor(ints, [3, 2], 'int32'), tf.tensor(ints, [3, 2], 'int32')], 1),
    );
    await expectParity(() => tf.stack([tf.tensor([1, 0], [2], 'bool'), tf.tensor([0, 1], [2], 'bool')], 1));
  });
});
