import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bce, bceFromLogits } from '../src/models/losses.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The textbook expression, differentiated by tfjs's autodiff. */
const reference = (l: tf.Tensor, y: tf.Tensor) =>
  tf.mean(tf.add(tf.sub(tf.relu(l), tf.mul(l, y)), tf.log1p(tf.exp(tf.neg(tf.abs(l)))))) as tf.Scalar;

describe('bceFromLogits', () => {
  it.each([
    [[8, 784], 3],
    [[3, 28, 28], 20],
  ])('matches the autodiff gradient of the textbook expression (%j, logit scale %d)', (shape, scale) => {
    const l = tf.randomNormal(shape, 0, scale, 'float32', 1);
    const y = tf.randomUniform(shape, 0, 1, 'float32', 2);
    expect(bceFromLogits(l, y).dataSync()[0]).toBeCloseTo(reference(l, y).dataSync()[0] as number, 6);
    const fast = tf.grad((x: tf.Tensor) => bceFromLogits(x, y))(l);
    const slow = tf.grad((x: tf.Tensor) => reference(x, y))(l);
    const error = tf.max(tf.abs(tf.sub(fast, slow))).dataSync()[0] as number;
    expect(error / (tf.max(tf.abs(slow)).dataSync()[0] as number)).toBeLessThan(1e-5);
  });

  it('agrees with the BCE of the sigmoid output used for evaluation', () => {
    const l = tf.randomNormal([4, 784], 0, 2, 'float32', 3);
    const y = tf.randomUniform([4, 784], 0, 1, 'float32', 4);
    expect(bce(tf.sigmoid(l), y).dataSync()[0]).toBeCloseTo(bceFromLogits(l, y).dataSync()[0] as number, 5);
  });
});
