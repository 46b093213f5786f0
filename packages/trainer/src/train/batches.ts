import { addGaussianNoise, DENOISE_NOISE_FACTOR, IMAGE_SIZE } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import type { TrainingBatch } from '../models/types.ts';
import { deriveSeed, uniform } from './random.ts';

/** Purposes of derived seeds, so that no two streams of randomness coincide. */
export const STREAM = { init: 1, shuffle: 2, noise: 3, sample: 4, eval: 5 } as const;

/**
 * Builds one batch from rows of `images` on the JS side, then hands it to tfjs in a single copy.
 * The denoiser's corruption happens here, through the same code the edge and the browser use.
 */
export function makeBatch(
  images: Float32Array,
  rows: ArrayLike<number>,
  options: { noisy: boolean; seed: number },
): TrainingBatch {
  const target = new Float32Array(rows.length * IMAGE_SIZE);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    target.set(images.subarray(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
  }
  const targetTensor = tf.tensor2d(target, [rows.length, IMAGE_SIZE]);
  if (!options.noisy) return { input: targetTensor, target: targetTensor, seed: options.seed };
  const noisy = addGaussianNoise(
    target,
    DENOISE_NOISE_FACTOR,
    uniform(deriveSeed(options.seed, STREAM.noise)),
  );
  return { input: tf.tensor2d(noisy, [rows.length, IMAGE_SIZE]), target: targetTensor, seed: options.seed };
}

export function disposeBatch(batch: TrainingBatch): void {
  batch.input.dispose();
  if (batch.target !== batch.input) batch.target.dispose();
}

/** Consecutive row ranges [start, end) covering `count` rows in batches of `size`. */
export function* ranges(count: number, size: number): Generator<[number, number]> {
  for (let start = 0; start < count; start += size) yield [start, Math.min(start + size, count)];
}
