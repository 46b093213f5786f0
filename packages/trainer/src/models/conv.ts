// The convolutional autoencoder: Conv/MaxPool down to a 4×4×8 code, Conv/UpSampling back up.

import * as tf from '@tensorflow/tfjs';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

const convRelu = (filters: number, padding: 'same' | 'valid' = 'same') =>
  tf.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', padding });
const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
const up = () => tf.layers.upSampling2d({ size: [2, 2] });

export const conv: ModelDefinition = {
  id: 'conv',
  build: () =>
    stackedAutoencoder({
      encoder: [
        tf.layers.reshape({ targetShape: [28, 28, 1] }),
        convRelu(16),
        pool(), // 14×14×16
        convRelu(8),
        pool(), //   7×7×8
        convRelu(8),
        pool(), //   4×4×8
      ],
      decoder: [
        convRelu(8),
        up(), //           8×8×8
        convRelu(8),
        up(), //           16×16×8
        convRelu(16, 'valid'),
        up(), // 28×28×16
        tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same' }),
        tf.layers.flatten(),
      ],
      codeShape: [4, 4, 8],
    }),
};
