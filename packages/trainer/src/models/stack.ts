import * as tf from '@tensorflow/tfjs';

import { bceFromLogits } from './losses.ts';
import type { Loss, Networks } from './types.ts';

export interface Stack {
  /** Layers from the [batch, 784] image to the code. */
  encoder: tf.layers.Layer[];
  /** Layers from the code to [batch, 784] logits; the final sigmoid is added here. */
  decoder: tf.layers.Layer[];
  /** Shape of one code; omit to publish no encoder/decoder (the denoiser). */
  codeShape?: number[];
  /** A penalty on the code added to the loss (the sparse model's L1 activity regulariser). */
  codePenalty?: (code: tf.Tensor) => tf.Scalar;
}

function chain(layers: tf.layers.Layer[], x: tf.SymbolicTensor): tf.SymbolicTensor {
  return layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);
}

/**
 * Wires an encoder stack and a decoder stack into the networks the trainer and exporter need,
 * sharing one set of layers, as the post does with `Model(input_img, encoded)` and
 * `autoencoder.layers[-1]`. Training uses the logits so the loss can be computed from them.
 */
export function stackedAutoencoder(stack: Stack): Networks {
  const sigmoid = tf.layers.activation({ activation: 'sigmoid', name: 'reconstruction' });
  const image = tf.input({ shape: [784], name: 'image' });
  const code = chain(stack.encoder, image);
  const logits = chain(stack.decoder, code);
  const training = tf.model({ inputs: image, outputs: [logits, code], name: 'training' });

  const networks: Networks = {
    autoencoder: tf.model({ inputs: image, outputs: sigmoid.apply(logits) as tf.SymbolicTensor }),
    loss: ({ input, target }): Loss => {
      const [l, c] = training.apply(input) as [tf.Tensor, tf.Tensor];
      const reconstruction = bceFromLogits(l, target);
      if (!stack.codePenalty) return { total: reconstruction };
      const penalty = stack.codePenalty(c);
      return {
        total: tf.add(reconstruction, penalty) as tf.Scalar,
        terms: { bce: reconstruction, l1: penalty },
      };
    },
  };
  if (stack.codeShape) {
    const codeIn = tf.input({ shape: stack.codeShape, name: 'code' });
    networks.encoder = tf.model({ inputs: image, outputs: code, name: 'encoder' });
    networks.decoder = tf.model({
      inputs: codeIn,
      outputs: sigmoid.apply(chain(stack.decoder, codeIn)) as tf.SymbolicTensor,
      name: 'decoder',
    });
  }
  return networks;
}
