import { existsSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_SIZE, type QualityFigures } from '@autoencoders/modelkit';
import { FusedAdam } from '@autoencoders/tfjs-wasm-kernels';
import * as tf from '@tensorflow/tfjs';
import { Diverged, UserError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { MODELS } from '../models/index.ts';
import { L1_WEIGHT } from '../models/sparse.ts';
import type { Networks, TrainingBatch } from '../models/types.ts';
import { disposeBatch, makeBatch, ranges, STREAM } from './batches.ts';
import {
  type CheckpointData,
  type NamedTensor,
  readCheckpoint,
  type SavedWeights,
  saveCheckpoint,
} from './checkpoint.ts';
import { klWeightAt, learningRateAt, type RunConfig } from './config.ts';
import { evaluate, qualityFigures } from './evaluate.ts';
import type { Progress } from './progress.ts';
import { deriveSeed, permutation, withSeededMathRandom } from './random.ts';

export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss: number;
  /** The loss's named parts (sparse: bce and l1; vae: reconstruction and kl), train and validation. */
  terms?: Record<string, number>;
  valTerms?: Record<string, number>;
  /** The validation images' figures the release targets are written in (see modelkit's quality.ts). */
  quality?: QualityFigures;
  /** The learning rate at the epoch's first step. */
  learningRate?: number;
  /** Training time of this epoch, evaluation excluded. */
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainResult {
  /** Holding the weights of the chosen epoch: the one with the lowest validation loss. */
  networks: Networks;
  history: EpochRecord[];
  /** Epochs already done when this run started (from a checkpoint). */
  resumedFrom: number;
  /** The epoch whose weights `networks` holds. */
  chosenEpoch: number;
  /** The epoch after which early stopping ended the run; null when it ran every epoch. */
  stoppedAfter: number | null;
}

export interface TrainOptions {
  config: RunConfig;
  /**
   * Training images (the first `config.limit` are used) and the held-out validation images; the
   * test set is never passed here, so nothing about training or the choice of epoch can see it.
   */
  train: Float32Array;
  validation: Float32Array;
  outDir: string;
  resume: boolean;
  progress: Progress;
  /** Aborting stops after the current step; the last completed epoch stays checkpointed. */
  signal?: AbortSignal;
}

export const CHECKPOINT_FILE = 'checkpoint.bin';
export const HISTORY_FILE = 'history.jsonl';

export class Interrupted extends Error {
  override name = 'Interrupted';
}

export function buildNetworks(config: RunConfig): Networks {
  const definition = MODELS[config.model];
  return withSeededMathRandom(deriveSeed(config.seed, STREAM.init), () =>
    quietly(() => definition.build({ l1: { weight: L1_WEIGHT, reduction: config.l1Reduction } })),
  );
}

/** Every trainable variable of a model once, in a fixed order (the networks share layers). */
export function trainableVariables(networks: Networks): tf.Variable[] {
  const seen = new Set<tf.Variable>();
  for (const model of [networks.autoencoder, networks.encoder, networks.decoder]) {
    for (const weight of model?.trainableWeights ?? []) seen.add(weight.read() as tf.Variable);
  }
  return [...seen];
}

/** One optimisation step on one batch; returns the loss and its named terms as numbers. */
export function trainStep(
  networks: Networks,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  batch: TrainingBatch,
  weightDecay = 0,
): { cost: number; terms: Record<string, number> } {
  return tf.tidy(() => {
    let terms: tf.Scalar[] = [];
    let names: string[] = [];
    const cost = optimizer.minimize(
      () => {
        const loss = networks.loss(batch);
        names = Object.keys(loss.terms ?? {});
        // The terms are read after the step; kept past minimize's own tidy, freed below.
        terms = Object.values(loss.terms ?? {}).map((t) => tf.keep(t));
        return loss.total;
      },
      true,
      variables,
    ) as tf.Scalar;
    if (weightDecay > 0)
      decayKernels(variables, (optimizer as unknown as { learningRate: number }).learningRate * weightDecay);
    const read = [cost, ...terms].map((t) => t.dataSync()[0] as number);
    for (const t of terms) t.dispose();
    return {
      cost: read[0] as number,
      terms: Object.fromEntries(names.map((n, i) => [n, read[i + 1] as number])),
    };
  });
}

/**
 * AdamW's decoupled weight decay: kernels shrink towards 0 by a fraction of the step's rate, apart
 * from the gradient (an L2 term in the loss would be rescaled by Adam's per-weight step sizes).
 * Biases are left alone, as is usual.
 */
function decayKernels(variables: tf.Variable[], fraction: number): void {
  for (const v of variables) if (v.rank >= 2) v.assign(tf.mul(v, 1 - fraction));
}

export function makeOptimizer(config: RunConfig): tf.Optimizer {
  // Keras 2's adadelta: rho 0.95, epsilon 1e-7 (tfjs defaults to 1e-8 and lr 0.001).
  // tf.train.adam's defaults (β1 0.9, β2 0.999, the backend's ε), fused into one kernel per variable on wasm.
  return config.optimizer === 'adam'
    ? new FusedAdam(config.learningRate, 0.9, 0.999)
    : tf.train.adadelta(config.learningRate, 0.95, 1e-7);
}

/** The loss over `images` in chunks, with fixed seeds so every epoch is measured the same way. */
export function datasetLoss(
  networks: Networks,
  images: Float32Array,
  config: RunConfig,
  chunk = 500,
): { loss: number; terms?: Record<string, number> } {
  const count = images.length / IMAGE_SIZE;
  const rows = Int32Array.from({ length: count }, (_, i) => i);
  const noisy = MODELS[config.model].noisyInput === true;
  let loss = 0;
  let terms: Record<string, number> | undefined;
  for (const [start, end] of ranges(count, chunk)) {
    const batch = makeBatch(images, rows.subarray(start, end), {
      noisy,
      seed: deriveSeed(config.seed, STREAM.eval, start),
    });
    const weight = (end - start) / count;
    tf.tidy(() => {
      const result = networks.loss(batch);
      loss += (result.total.dataSync()[0] as number) * weight;
      for (const [name, value] of Object.entries(result.terms ?? {})) {
        terms ??= {};
        terms[name] = (terms[name] ?? 0) + (value.dataSync()[0] as number) * weight;
      }
    });
    disposeBatch(batch);
  }
  return terms ? { loss, terms } : { loss };
}

/**
 * Why a checkpoint's run differs from this one, if it does. More epochs are allowed (training on)
 * unless the schedule spans them (cosine), and so are learning-rate drops after the checkpoint's
 * last epoch and another patience, which change nothing it did.
 */
function sameRun(saved: RunConfig, now: RunConfig, epochsDone: number): string | undefined {
  for (const key of Object.keys(now) as (keyof RunConfig)[]) {
    if (key === 'patience' || (key === 'epochs' && now.schedule !== 'cosine')) continue;
    const [was, is] = [saved[key], now[key]];
    if (key === 'learningRateDrops') {
      const before = (drops: number[] | undefined) => (drops ?? []).filter((e) => e < epochsDone).join(',');
      if (before(was as number[] | undefined) !== before(is as number[]))
        return `learning-rate drops were [${String(was ?? '')}], now [${String(is)}]`;
    } else if (was !== is) return `${key} was ${String(was)}, now ${String(is)}`;
  }
  return undefined;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, progress, outDir } = options;
  const checkpointFile = path.join(outDir, CHECKPOINT_FILE);
  const networks = buildNetworks(config);
  const variables = trainableVariables(networks);
  const optimizer = makeOptimizer(config);
  let history: EpochRecord[] = [];
  let best: (SavedWeights & { valLoss: number }) | undefined;

  if (options.resume && existsSync(checkpointFile)) {
    const checkpoint = await readResumableCheckpoint(checkpointFile, config);
    const fits =
      checkpoint.weights.length === variables.length &&
      checkpoint.header.weights.every((w, i) => String(w.shape) === String(variables[i]?.shape));
    if (!fits) throw new UserError(`${checkpointFile}: does not fit this model`);
    variables.forEach((v, i) => {
      v.assign(tf.tensor(checkpoint.weights[i] as Float32Array, v.shape));
    });
    await restoreOptimizer(
      optimizer,
      checkpoint.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) })),
      checkpoint.header.adamBetaPowers,
    );
    history = checkpoint.header.history;
    if (checkpoint.best) {
      const epoch = checkpoint.best.epoch;
      best = { ...checkpoint.best, valLoss: (history[epoch - 1] as EpochRecord).valLoss };
    }
    progress.message(`resuming ${config.model} after epoch ${history.length}`);
  } else if (options.resume) {
    progress.message(`no checkpoint for ${config.model} in ${outDir}: starting from scratch`);
  }

  const count = Math.min(config.limit ?? Number.POSITIVE_INFINITY, options.train.length / IMAGE_SIZE);
  const resumedFrom = history.length;
  const noisy = MODELS[config.model].noisyInput === true;
  const stopped = () =>
    config.patience !== null && best !== undefined && history.length - best.epoch >= config.patience;
  for (let epoch = history.length + 1; epoch <= config.epochs && !stopped(); epoch++) {
    const order = permutation(count, deriveSeed(config.seed, STREAM.shuffle, epoch));
    const steps = Math.ceil(count / config.batchSize);
    progress.startEpoch(config.model, epoch, config.epochs, count);
    const started = performance.now();
    let lossSum = 0;
    const termSums: Record<string, number> = {};
    let seen = 0;
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted)
        throw new Interrupted(`interrupted during epoch ${epoch} of ${config.model}`);
      const rows = order.subarray(step * config.batchSize, Math.min((step + 1) * config.batchSize, count));
      const batch = makeBatch(options.train, rows, {
        noisy,
        seed: deriveSeed(config.seed, STREAM.sample, epoch, step),
      });
      const klWeight = klWeightAt(config, epoch, step / steps);
      if (klWeight !== 1) batch.klWeight = klWeight;
      setLearningRate(optimizer, learningRateAt(config, epoch, step / steps));
      const values = trainStep(networks, optimizer, variables, batch, config.weightDecay);
      disposeBatch(batch);
      // The loss is read each step anyway (for the progress bar), so this costs no extra sync.
      if (!Number.isFinite(values.cost))
        throw diverged(
          config,
          `the loss became ${values.cost} at epoch ${epoch}, step ${step + 1} of ${steps}`,
          history,
        );
      lossSum += values.cost * rows.length;
      for (const [name, value] of Object.entries(values.terms))
        termSums[name] = (termSums[name] ?? 0) + value * rows.length;
      seen += rows.length;
      const seconds = (performance.now() - started) / 1000;
      progress.step(seen, { loss: lossSum / seen, samplesPerSecond: seen / seconds });
      // Lets Ctrl-C and the progress bar's timer run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    // Finite losses can still sum past the float range.
    if (!Number.isFinite(lossSum / seen))
      throw diverged(config, `the mean loss of epoch ${epoch} became ${lossSum / seen}`, history);
    const validation = datasetLoss(networks, options.validation, config);
    // The last step's update is only seen here: without this, weights it broke would be checkpointed.
    if (!Number.isFinite(validation.loss))
      throw diverged(config, `the validation loss became ${validation.loss} after epoch ${epoch}`, history);
    const record: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      valLoss: validation.loss,
      ...(Object.keys(termSums).length > 0 && {
        terms: Object.fromEntries(Object.entries(termSums).map(([n, v]) => [n, v / seen])),
        valTerms: validation.terms,
      }),
      quality: qualityFigures(evaluate(networks, config, options.validation)),
      learningRate: learningRateAt(config, epoch),
      seconds,
      samplesPerSecond: seen / seconds,
    };
    history.push(record);
    // Ties keep the earlier epoch: a later one is no better on the held-out images.
    if (best === undefined || record.valLoss < best.valLoss)
      best = {
        epoch,
        valLoss: record.valLoss,
        values: variables.map((v) => v.dataSync().slice() as Float32Array),
      };
    progress.endEpoch(record);
    await saveCheckpoint(
      checkpointFile,
      { run: config, history, adamBetaPowers: adamBetaPowers(optimizer) },
      variables,
      await optimizer.getWeights(),
      best,
    );
    await writeFileAtomic(
      path.join(outDir, HISTORY_FILE),
      history.map((h) => `${JSON.stringify(h)}\n`).join(''),
    );
  }
  optimizer.dispose();
  // The released weights are the best epoch's on the held-out images, not simply the last epoch's.
  if (best)
    variables.forEach((v, i) => {
      v.assign(tf.tensor(best.values[i] as Float32Array, v.shape));
    });
  return {
    networks,
    history,
    resumedFrom,
    chosenEpoch: best?.epoch ?? history.length,
    stoppedAfter: history.length < config.epochs ? history.length : null,
  };
}

/**
 * Reads a checkpoint for `--resume` and checks it was made with these settings; run before any
 * backend is loaded too, so that a broken or mismatched checkpoint is reported at once.
 */
export async function readResumableCheckpoint(
  file: string,
  config: RunConfig,
): Promise<CheckpointData<RunConfig, EpochRecord>> {
  const checkpoint = await readCheckpoint<RunConfig, EpochRecord>(file);
  const epochsInOrder = checkpoint.header.history.every(
    (h, i) => h.epoch === i + 1 && [h.loss, h.valLoss, h.seconds].every((x) => typeof x === 'number'),
  );
  if (!epochsInOrder)
    throw new UserError(
      `${file}: broken checkpoint (its list of epochs is malformed); delete it to start over`,
    );
  const mismatch = sameRun(checkpoint.header.run, config, checkpoint.header.history.length);
  if (mismatch)
    throw new UserError(`${file}: cannot resume, ${mismatch}; pass the same options or drop --resume`);
  return checkpoint;
}

/**
 * Stops a run whose loss is no longer a number. Nothing of the failed epoch is saved: the
 * checkpoint and history on disk stay those of the last finished epoch.
 */
function diverged(config: RunConfig, what: string, history: EpochRecord[]): Diverged {
  const kept =
    history.length > 0 ? `the checkpoint after epoch ${history.length} is kept` : 'nothing was checkpointed';
  return new Diverged(
    `${config.model}: ${what}; lower --learning-rate (it was ${config.learningRate}) and start again; ${kept}`,
  );
}

/** tfjs's Adam and Adadelta read their public `learningRate` field on every step. */
function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

// tfjs keeps Adam's running powers of β1 and β2 in protected fields and, on setWeights, recomputes
// them with pow(), which is not bit-identical to the running product: restored here for exact resumes.
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

function adamBetaPowers(optimizer: tf.Optimizer): [number, number] | undefined {
  const adam = optimizer as unknown as AdamInternals;
  if (!adam.accBeta1 || !adam.accBeta2) return undefined;
  return [adam.accBeta1.dataSync()[0] as number, adam.accBeta2.dataSync()[0] as number];
}

async function restoreOptimizer(
  optimizer: tf.Optimizer,
  weights: NamedTensor[],
  betaPowers?: [number, number],
) {
  await optimizer.setWeights(weights);
  const adam = optimizer as unknown as AdamInternals;
  if (betaPowers && adam.accBeta1 && adam.accBeta2) {
    adam.accBeta1.assign(tf.scalar(betaPowers[0]));
    adam.accBeta2.assign(tf.scalar(betaPowers[1]));
  }
}

/** tfjs warns on every LSTM build that an orthogonal initialiser on 64×256 "may be slow"; it is not. */
function quietly<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('Orthogonal initializer')) warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}
