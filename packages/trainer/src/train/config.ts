import { CATALOG, type ModelId } from '@autoencoders/modelkit';

export const OPTIMIZERS = ['adam', 'adadelta'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const PROFILES = ['quick', 'full'] as const;
export type Profile = (typeof PROFILES)[number];

/** Everything that decides what a run computes; a resumed run must match it. */
export interface RunConfig {
  model: ModelId;
  epochs: number;
  batchSize: number;
  /** Train on the first N training images only; null for all of them. */
  limit: number | null;
  seed: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** How the sparse model's L1 penalty is reduced over a batch (see models/sparse.ts). */
  l1Reduction: 'sum' | 'mean';
  /** How many test images the per-epoch validation loss uses. */
  valSamples: number;
}

/** Keras 2 defaults, which the post ran with: adam 1e-3, adadelta 1.0. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { adam: 1e-3, adadelta: 1.0 };

/**
 * quick: all seven models in minutes on 2 CPU cores, enough to see each one learn;
 * full: the post's epochs and batch sizes on the whole training set.
 * Quick runs fit by sample count and epochs, never by skipping a model.
 */
const QUICK: Record<ModelId, { epochs: number; limit: number | null }> = {
  simple: { epochs: 10, limit: null },
  sparse: { epochs: 10, limit: null },
  deep: { epochs: 10, limit: null },
  conv: { epochs: 5, limit: 40_000 },
  denoise: { epochs: 5, limit: 20_000 },
  seq2seq: { epochs: 5, limit: 30_000 },
  vae: { epochs: 5, limit: null },
};

export function profileDefaults(
  profile: Profile,
  model: ModelId,
): Pick<RunConfig, 'epochs' | 'batchSize' | 'limit' | 'valSamples'> {
  const post = CATALOG[model].post;
  if (profile === 'full')
    return { epochs: post.epochs, batchSize: post.batchSize, limit: null, valSamples: 10_000 };
  return { ...QUICK[model], batchSize: post.batchSize, valSamples: 1_000 };
}
