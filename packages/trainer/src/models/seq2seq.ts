// The sequence-to-sequence autoencoder: an LSTM reads the image as 28 steps of 28 pixels into one
// code vector, which is repeated 28 times and unrolled by a second LSTM back into the rows.

import * as tf from '@tensorflow/tfjs';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition } from './types.ts';

export const LATENT = 64;
const STEPS = 28;
const FEATURES = 28;

// tfjs defaults recurrentActivation to hardSigmoid (Keras 1); modern Keras and ONNX use sigmoid.
const lstm = (returnSequences: boolean) =>
  tf.layers.lstm({ units: LATENT, recurrentActivation: 'sigmoid', returnSequences });

export const seq2seq: ModelDefinition = {
  id: 'seq2seq',
  build: () =>
    stackedAutoencoder({
      encoder: [tf.layers.reshape({ targetShape: [STEPS, FEATURES] }), lstm(false)],
      decoder: [
        tf.layers.repeatVector({ n: STEPS }),
        lstm(true),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: FEATURES }) }),
        tf.layers.flatten(),
      ],
      codeShape: [LATENT],
    }),
};
