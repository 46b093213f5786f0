// The denoiser: a wider convolutional autoencoder trained to map noisy digits
// (x + 0.5·N(0,1), clipped to [0, 1]) back to the clean ones.

import * as tf from '@tensorflow/tfjs';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

const conv = () => tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' });
const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
const up = () => tf.layers.upSampling2d({ size: [2, 2] });

export const denoise: ModelDefinition = {
  id: 'denoise',
  noisyInput: true,
  build: () =>
    stackedAutoencoder({
      encoder: [
        tf.layers.reshape({ targetShape: [28, 28, 1] }),
        conv(),
        pool(), // 14×14×32
        conv(),
        pool(), //  7×7×32
      ],
      decoder: [
        conv(),
        up(), //   14×14×32
        conv(),
        up(), //   28×28×32
        tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same' }),
        tf.layers.flatten(),
      ],
    }),
};
