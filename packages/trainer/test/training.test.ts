import { rm } from 'node:fs/promises';
import { MODEL_IDS } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.ts';
import { silentProgress } from '../src/train/progress.ts';
import { buildNetworks, datasetLoss, train, trainableVariables } from '../src/train/train.ts';
import { config, slice, tempDir } from './helpers.ts';

// What users train with on a machine without libtensorflow: the wasm backend with the project's kernels.
beforeAll(async () => {
  await selectBackend('wasm', 2);
});

describe.each(MODEL_IDS)('%s', (model) => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('learns: the loss on held-out digits goes down within a few hundred samples', async () => {
    const run = config(model, { epochs: 2, batchSize: 32 });
    const trainImages = await slice(320);
    const validation = await slice(64, 'test');
    const before = datasetLoss(buildNetworks(run), validation, run).loss;
    const { networks, history } = await train({
      config: run,
      train: trainImages,
      validation,
      outDir: dir,
      resume: false,
      progress: silentProgress,
    });
    expect(history).toHaveLength(2);
    expect(history[1]?.valLoss).toBeLessThan(before * 0.95);
    for (const h of history) expect(Number.isFinite(h.loss)).toBe(true);
    // The published networks agree with what was trained: image in, [0, 1] image out.
    const out = tf.tidy(() =>
      (networks.autoencoder.predict(tf.tensor2d(validation, [64, 784])) as tf.Tensor).dataSync(),
    );
    expect(out.length).toBe(64 * 784);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    tf.dispose(trainableVariables(networks));
  });
});
