import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CATALOG,
  checkTargets,
  IMAGE_SIZE,
  type ModelId,
  QUALITY_TARGETS,
  type QualityFigures,
} from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from './backend.ts';
import type { Dataset } from './data/mnist.ts';
import { writeFileAtomic } from './io/atomic.ts';
import { saveLayersModel } from './io/layers-model.ts';
import { makeDir, type OutputLayout } from './io/out-dir.ts';
import { writeFigures } from './report/figures.ts';
import type { ImageUse, Metrics } from './report/metrics.ts';
import { type RunConfig, splitTraining } from './train/config.ts';
import { evaluate } from './train/evaluate.ts';
import type { Progress } from './train/progress.ts';
import { CHECKPOINT_FILE, type EpochRecord, HISTORY_FILE, train, trainableVariables } from './train/train.ts';

export type { ImageRange, ImageUse, Metrics } from './report/metrics.ts';

export interface RunOptions {
  config: RunConfig;
  data: Dataset;
  out: string;
  resume: boolean;
  backend: BackendInfo;
  command: string;
  progress: Progress;
  signal?: AbortSignal;
}

/** What a run writes into `<out>/` and `<out>/<id>/`, checked before it starts. */
export const OUTPUT_LAYOUT: OutputLayout = {
  top: { 'summary.md': 'file' },
  perModel: {
    [CHECKPOINT_FILE]: 'file',
    [HISTORY_FILE]: 'file',
    'metrics.json': 'file',
    figures: 'folder',
  },
};

/** Trains one model, then writes its networks, metrics, history and figures to `<out>/<id>/`. */
export async function runModel(options: RunOptions): Promise<Metrics> {
  const { config, data } = options;
  const dir = path.join(options.out, config.model);
  await makeDir(dir, `${config.model} model's`);
  const split = splitTraining(data.train.count, config);
  const trainSamples = split.train.count;
  const images: ImageUse = {
    train: { split: 'train', ...split.train, use: 'training' },
    validation: {
      split: 'train',
      ...split.validation,
      use: 'held out: per-epoch figures, schedule, early stopping, choice of epoch',
    },
    test: { split: 'test', start: 0, count: data.test.count, use: 'reported once, on the chosen epoch' },
  };
  const rows = (r: { start: number; count: number }) =>
    data.train.images.subarray(r.start * IMAGE_SIZE, (r.start + r.count) * IMAGE_SIZE);
  const { networks, history, chosenEpoch, stoppedAfter } = await train({
    config,
    train: rows(split.train),
    validation: rows(split.validation),
    outDir: dir,
    resume: options.resume,
    progress: options.progress,
    ...(options.signal && { signal: options.signal }),
  });
  options.progress.message(
    `${config.model}: evaluating on ${data.test.count.toLocaleString('en-US')} test images`,
  );
  const test = evaluate(networks, config, data.test.images);
  for (const [role, model] of Object.entries({
    autoencoder: networks.autoencoder,
    encoder: networks.encoder,
    decoder: networks.decoder,
  })) {
    if (model) await saveLayersModel(model, path.join(dir, role));
  }
  const figures = await writeFigures(
    path.join(dir, 'figures'),
    networks,
    config,
    history,
    data.test,
    chosenEpoch,
  );
  const seconds = history.reduce((s, h) => s + h.seconds, 0);
  const chosen = history[chosenEpoch - 1];
  const metrics: Metrics = {
    model: config.model,
    title: CATALOG[config.model].title,
    backend: options.backend.description,
    epochs: history.length,
    batchSize: config.batchSize,
    optimizer: config.optimizer,
    learningRate: config.learningRate,
    schedule: config.schedule,
    learningRateDrops: config.learningRateDrops,
    patience: config.patience,
    weightDecay: config.weightDecay,
    klWarmup: config.klWarmup,
    trainSamples,
    images,
    chosenEpoch,
    stoppedAfter,
    seed: config.seed,
    seconds,
    trainSamplesPerSecond: (trainSamples * history.length) / seconds,
    finalTrainLoss: chosen?.loss ?? Number.NaN,
    finalValLoss: chosen?.valLoss ?? Number.NaN,
    validation: chosen?.quality ?? null,
    test,
    timeToTarget: timeToTarget(
      config.model,
      history,
      await referenceFigures(options.out, config.model),
      split.validation.count,
    ),
    timeToPost: timeToPost(config.model, history),
    command: options.command,
    dataset: data.source,
    trainedAt: new Date().toISOString(),
    versions: { tfjs: tf.version.tfjs, node: process.version },
    figures: figures.map((f) => `figures/${f}`),
  };
  await writeFileAtomic(path.join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  tf.dispose(trainableVariables(networks));
  return metrics;
}

/** The first epoch whose validation figures meet every target, with the training seconds up to it. */
export function timeToTarget(
  model: ModelId,
  history: EpochRecord[],
  reference: Partial<Record<ModelId, QualityFigures>>,
  validationImages: number,
): Metrics['timeToTarget'] {
  let seconds = 0;
  for (const record of history) {
    seconds += record.seconds;
    if (record.quality && checkTargets(model, record.quality, reference).every((c) => c.met))
      return { epoch: record.epoch, seconds, validationImages };
  }
  return null;
}

/** The first epoch whose validation BCE reaches the post's test BCE, with the training seconds up to it. */
export function timeToPost(model: ModelId, history: EpochRecord[]): Metrics['timeToPost'] {
  const bce = CATALOG[model].post.testBce;
  if (bce === undefined) return null;
  let seconds = 0;
  for (const record of history) {
    seconds += record.seconds;
    if (record.quality && record.quality.bce <= bce) return { bce, epoch: record.epoch, seconds };
  }
  return null;
}

/**
 * Figures of the models a relative target refers to (sparse's code vs simple's), from this run's
 * output: their held-out validation figures, as the history's are, never their test figures.
 */
async function referenceFigures(
  out: string,
  model: ModelId,
): Promise<Partial<Record<ModelId, QualityFigures>>> {
  const reference: Partial<Record<ModelId, QualityFigures>> = {};
  for (const target of QUALITY_TARGETS[model]) {
    if (!target.relativeTo) continue;
    try {
      const metrics = JSON.parse(
        await readFile(path.join(out, target.relativeTo, 'metrics.json'), 'utf8'),
      ) as Partial<Metrics>;
      if (metrics.validation) reference[target.relativeTo] = metrics.validation;
    } catch {
      // Not trained yet in this output folder: the relative target counts as not met.
    }
  }
  return reference;
}
