import type { ModelId } from '@autoencoders/modelkit';
import type * as tf from '@tensorflow/tfjs';

/**
 * One training batch. `input` is what the network sees, `target` what it should give back:
 * the same images for the plain autoencoders, the clean images behind noisy inputs for the denoiser.
 */
export interface TrainingBatch {
  input: tf.Tensor2D;
  target: tf.Tensor2D;
  /** Seed for any randomness inside the loss (the VAE's sampling), derived from run seed, epoch and step. */
  seed: number;
  /** The VAE's weight of its KL term while training warms up (KL warm-up); 1 when absent. */
  klWeight?: number;
}

/** The loss of a batch, with the named terms that make it up (logged per epoch). */
export interface Loss {
  total: tf.Scalar;
  terms?: Record<string, tf.Scalar>;
}

/**
 * The networks of one model, sharing their layers. Every network takes and gives images as
 * [batch, 784] floats in [0, 1], so the exporter, the edge and the browser never need to know a
 * model's internal layout.
 */
export interface SavedNetworks {
  /** image → reconstruction (for `denoise`: noisy image → clean image). */
  autoencoder: tf.LayersModel;
  /** image → code (for `vae`: image → [z_mean, z_log_var]). */
  encoder?: tf.LayersModel;
  /** code → image. */
  decoder?: tf.LayersModel;
}

/** A model's networks while it trains: the saved ones and the objective they are trained on. */
export interface Networks extends SavedNetworks {
  /** The training objective; called inside the optimiser's gradient tape. */
  loss(batch: TrainingBatch): Loss;
}

export interface ModelOptions {
  /** The sparse model's L1 activity penalty and how it is reduced over the batch. */
  l1?: { weight: number; reduction: 'sum' | 'mean' };
}

export interface ModelDefinition {
  id: ModelId;
  /** Whether the model is trained on corrupted inputs (the denoiser). */
  noisyInput?: boolean;
  build(options: ModelOptions): Networks;
}
