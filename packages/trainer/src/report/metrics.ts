import type { ModelId, QualityFigures } from '@autoencoders/modelkit';
import type { RunConfig } from '../train/config.ts';
import type { TestMetrics } from '../train/evaluate.ts';

/** metrics.json: what a run achieved and everything needed to make it again. */
export interface Metrics {
  model: ModelId;
  title: string;
  backend: string;
  epochs: number;
  batchSize: number;
  optimizer: string;
  learningRate: number;
  /** step (÷10 after each of learningRateDrops) or cosine. */
  schedule: RunConfig['schedule'];
  /** Epochs after which the learning rate was divided by 10. */
  learningRateDrops: number[];
  patience: number | null;
  weightDecay: number;
  klWarmup: number;
  trainSamples: number;
  /** Which images were used for what (never overlapping; the test images only for `test`). */
  images: ImageUse;
  /** The epoch whose weights were saved: the lowest validation loss. */
  chosenEpoch: number;
  /** Where early stopping ended the run; null when it ran every epoch. */
  stoppedAfter: number | null;
  seed: number;
  /** Training time of the epochs this process ran (a resumed run adds its earlier epochs' time). */
  seconds: number;
  trainSamplesPerSecond: number;
  /** The chosen epoch's losses. */
  finalTrainLoss: number;
  finalValLoss: number;
  /** The chosen epoch's figures on the held-out validation images. */
  validation: QualityFigures | null;
  /** Measured once, on the chosen weights, after training: nothing was chosen by these figures. */
  test: TestMetrics;
  /**
   * The first epoch whose validation figures met every release target, and the training time up
   * to its end; null when no epoch did.
   */
  timeToTarget: { epoch: number; seconds: number; validationImages: number } | null;
  /** The same for the post's own test BCE (adadelta, its epochs); null where it gives none. */
  timeToPost: { bce: number; epoch: number; seconds: number } | null;
  command: string;
  dataset: string;
  trainedAt: string;
  versions: { tfjs: string; node: string };
  figures: string[];
}

/** One use of a range of images: `split` names the file, `start` is 0-based, `count` how many. */
export interface ImageRange {
  split: 'train' | 'test';
  start: number;
  count: number;
  use: string;
}

export interface ImageUse {
  train: ImageRange;
  validation: ImageRange;
  test: ImageRange;
}
