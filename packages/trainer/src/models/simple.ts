// "Let's build the simplest possible autoencoder": one 32-float code between two dense layers.

import * as tf from '@tensorflow/tfjs';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

export const simple: ModelDefinition = {
  id: 'simple',
  build: () =>
    stackedAutoencoder({
      encoder: [tf.layers.dense({ units: 32, activation: 'relu' })],
      decoder: [tf.layers.dense({ units: 784 })],
      codeShape: [32],
    }),
};
