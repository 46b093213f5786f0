// The deep fully-connected autoencoder: 784-128-64-32-64-128-784.

import * as tf from '@tensorflow/tfjs';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

const dense = (units: number) => tf.layers.dense({ units, activation: 'relu' });

export const deep: ModelDefinition = {
  id: 'deep',
  build: () =>
    stackedAutoencoder({
      encoder: [dense(128), dense(64), dense(32)],
      decoder: [dense(64), dense(128), tf.layers.dense({ units: 784 })],
      codeShape: [32],
    }),
};
