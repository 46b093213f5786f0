// The simple autoencoder with an L1 activity penalty on its code, so that fewer units fire at once.
// tfjs-layers has no activity regularisers (tfjs#8022), so the penalty goes into the loss.
import * as tf from '@tensorflow/tfjs';

import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

/** Keras `l1(10e-5)`, i.e. 1e-4. */
export const L1_WEIGHT = 1e-4;

export const sparse: ModelDefinition = {
  id: 'sparse',
  build: ({ l1 = { weight: L1_WEIGHT, reduction: 'mean' } }) =>
    stackedAutoencoder({
      encoder: [tf.layers.dense({ units: 32, activation: 'relu' })],
      decoder: [tf.layers.dense({ units: 784 })],
      codeShape: [32],
      // 'mean': 1e-4·Σ|code| per sample, averaged over the batch. That is what the post's numbers
      // imply: its 0.01 gap between train (0.11) and test (0.10) loss is the penalty, and
      // 1e-4 × 32 units × 3.33 mean activation ≈ 0.011. Summing over the batch instead (256× the
      // penalty) drives every code unit to zero within an epoch.
      codePenalty: (code) => {
        const total = tf.sum(tf.abs(code));
        const perBatch = l1.reduction === 'sum' ? total : tf.div(total, code.shape[0] ?? 1);
        return tf.mul(perBatch, l1.weight) as tf.Scalar;
      },
    }),
};
