// The variational autoencoder: the encoder gives the mean and log-variance of a 2-D Gaussian,
// a point is sampled from it (the reparameterisation trick), and the decoder draws a digit from it.
// The loss is the reconstruction term (784 · per-pixel BCE) plus the KL divergence from N(0, I).
// Sampling happens in the loss, not in a layer, so the saved networks are plain layers models:
// at inference the encoder returns (z_mean, z_log_var) and the decoder takes the latent point.
import * as tf from '@tensorflow/tfjs';

import { bceFromLogits } from './losses.ts';
import type { ModelDefinition, Networks } from './types.ts';

export const LATENT = 2;
const INTERMEDIATE = 512;

function build(): Networks {
  const image = tf.input({ shape: [784], name: 'image' });
  const h = tf.layers.dense({ units: INTERMEDIATE, activation: 'relu' }).apply(image) as tf.SymbolicTensor;
  const zMeanOutput = tf.layers.dense({ units: LATENT, name: 'z_mean' }).apply(h) as tf.SymbolicTensor;
  const zLogVarOutput = tf.layers.dense({ units: LATENT, name: 'z_log_var' }).apply(h) as tf.SymbolicTensor;

  const hidden = tf.layers.dense({ units: INTERMEDIATE, activation: 'relu' });
  const toLogits = tf.layers.dense({ units: 784 });
  const sigmoid = tf.layers.activation({ activation: 'sigmoid', name: 'reconstruction' });
  const latent = tf.input({ shape: [LATENT], name: 'latent' });
  const logits = toLogits.apply(hidden.apply(latent)) as tf.SymbolicTensor;

  const encoder = tf.model({ inputs: image, outputs: [zMeanOutput, zLogVarOutput], name: 'encoder' });
  const decoderLogits = tf.model({ inputs: latent, outputs: logits });
  const reconstruction = sigmoid.apply(toLogits.apply(hidden.apply(zMeanOutput))) as tf.SymbolicTensor;

  return {
    // Reconstructing from the mean: the deterministic reading of the model that clients want.
    autoencoder: tf.model({ inputs: image, outputs: reconstruction, name: 'autoencoder' }),
    encoder,
    decoder: tf.model({
      inputs: latent,
      outputs: sigmoid.apply(logits) as tf.SymbolicTensor,
      name: 'decoder',
    }),
    loss: ({ input, target, seed, klWeight = 1 }) => {
      const [zMean, zLogVar] = encoder.apply(input) as [tf.Tensor2D, tf.Tensor2D];
      const eps = tf.randomNormal(zMean.shape, 0, 1, 'float32', seed);
      const z = tf.add(zMean, tf.mul(tf.exp(tf.mul(zLogVar, 0.5)), eps));
      const recon = tf.mul(bceFromLogits(decoderLogits.apply(z) as tf.Tensor, target), 784) as tf.Scalar;
      const kl = tf.mul(
        tf.mean(tf.sum(tf.sub(tf.add(1, zLogVar), tf.add(tf.square(zMean), tf.exp(zLogVar))), 1)),
        -0.5,
      ) as tf.Scalar;
      // The terms stay unweighted: they are the ELBO's, whatever the warm-up's weight.
      const total = klWeight === 1 ? tf.add(recon, kl) : tf.add(recon, tf.mul(kl, klWeight));
      return { total: total as tf.Scalar, terms: { reconstruction: recon, kl } };
    },
  };
}

export const vae: ModelDefinition = { id: 'vae', build };
