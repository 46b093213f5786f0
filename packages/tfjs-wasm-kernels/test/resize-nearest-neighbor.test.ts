import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nearestSource } from '../src/resize-nearest-neighbor-grad.ts';
import { expectParity, seeded, setUpBackends, sizeOf } from './parity.ts';

// Nearest-neighbour resizing copies values: results must match the cpu backend exactly.
beforeAll(setUpBackends);

describe('nearestSource', () => {
  it('doubles by repeating each index', () => {
    expect(Array.from(nearestSource(3, 6, false, false))).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('ResizeNearestNeighbor', () => {
  const images: [number, number, number, number][] = [
    [128, 14, 14, 16],
    [4, 7, 7, 32],
    [2, 4, 4, 8],
    [3, 5, 6, 1],
    [2, 6, 5, 3],
  ];
  const sizes: [number, number][] = [
    [2, 2],
    [3, 3],
    [0.5, 0.5],
    [1.5, 0.7],
    [1, 2],
  ];
  let i = 0;
  for (const alignCorners of [false, true]) {
    for (const halfPixelCenters of [false, true]) {
      if (alignCorners && halfPixelCenters) continue; // tfjs rejects the combination
      for (const [sh, sw] of sizes) {
        const shape = images[i++ % images.length] as [number, number, number, number];
        const size: [number, number] = [
          Math.max(1, Math.round(shape[1] * sh)),
          Math.max(1, Math.round(shape[2] * sw)),
        ];
        it(`[${shape}] to ${size} alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`, async () => {
          await expectParity(() =>
            tf.image.resizeNearestNeighbor(
              tf.tensor(seeded(sizeOf(shape), i), shape) as tf.Tensor4D,
              size,
              alignCorners,
              halfPixelCenters,
            ),
          );
        });
      }
    }
  }

  it('handles int32 and the UpSampling2D layer', async () => {
    const ints = Int32Array.from({ length: 2 * 3 * 3 * 2 }, (_, k) => k * 1000 - 7000);
    await expectParity(() =>
      tf.image.resizeNearestNeighbor(tf.tensor(ints, [2, 3, 3, 2], 'int32') as tf.Tensor4D, [6, 6]),
    );
    const x = seeded(2 * 7 * 7 * 8, 5);
    await expectParity(
      () => tf.layers.upSampling2d({ size: [2, 2] }).apply(tf.tensor(x, [2, 7, 7, 8])) as tf.Tensor,
    );
  });
});
