// The sequence-to-sequence autoencoder: an LSTM reads the image as 28 steps of 28 pixels into one
// code vector, which is repeated 28 times and unrolled by a second LSTM back into the rows.

import { type LstmWeights, lstmSequence } from '@autoencoders/tfjs-wasm-kernels';
import * as tf from '@tensorflow/tfjs';
import { bceFromLogits } from './losses.ts';
import { stackedAutoencoder } from './stack.ts';
import type { ModelDefinition, Networks } from './types.ts';

export const LATENT = 64;
const STEPS = 28;
const FEATURES = 28;

// tfjs defaults recurrentActivation to hardSigmoid (Keras 1); modern Keras and ONNX use sigmoid.
const lstm = (returnSequences: boolean) =>
  tf.layers.lstm({ units: LATENT, recurrentActivation: 'sigmoid', returnSequences });

function build(): Networks {
  const encoder = lstm(false);
  const decoder = lstm(true);
  const output = tf.layers.dense({ units: FEATURES });
  const networks = stackedAutoencoder({
    encoder: [tf.layers.reshape({ targetShape: [STEPS, FEATURES] }), encoder],
    decoder: [
      tf.layers.repeatVector({ n: STEPS }),
      decoder,
      tf.layers.timeDistributed({ layer: output }),
      tf.layers.flatten(),
    ],
    codeShape: [LATENT],
  });
  // Training runs the same function through the fused LSTM op (lstmSequence, from
  // @autoencoders/tfjs-wasm-kernels): the layers' own step-by-step graph costs about five times as
  // many kernels. The layers stay what is saved.
  networks.loss = ({ input, target }) => {
    const code = lstmSequence(tf.reshape(input, [-1, STEPS, FEATURES]), weightsOf(encoder), {
      steps: STEPS,
      returnSequences: false,
    });
    const rows = lstmSequence(code, weightsOf(decoder), { steps: STEPS, returnSequences: true });
    const [kernel, bias] = output.trainableWeights.map((w) => w.read());
    const logits = tf.add(
      tf.matMul(tf.reshape(rows, [-1, LATENT]), kernel as tf.Tensor2D),
      bias as tf.Tensor,
    );
    return { total: bceFromLogits(tf.reshape(logits, [-1, STEPS * FEATURES]), target) };
  };
  return networks;
}

function weightsOf(layer: tf.layers.Layer): LstmWeights {
  const [kernel, recurrentKernel, bias] = layer.trainableWeights.map((w) => w.read());
  return { kernel, recurrentKernel, bias } as LstmWeights;
}

export const seq2seq: ModelDefinition = { id: 'seq2seq', build };
