import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelId } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.ts';
import { Diverged } from '../src/errors.ts';
import type { RunConfig } from '../src/train/config.ts';
import { type Progress, silentProgress } from '../src/train/progress.ts';
import { CHECKPOINT_FILE, HISTORY_FILE, Interrupted, train, trainableVariables } from '../src/train/train.ts';
import { config, slice, tempDir } from './helpers.ts';

beforeAll(async () => {
  await selectBackend('wasm', 2);
});

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function run(
  run: RunConfig,
  outDir: string,
  options: { resume?: boolean; progress?: Progress; signal?: AbortSignal; images?: Float32Array } = {},
) {
  const result = await train({
    config: run,
    train: options.images ?? (await slice(256)),
    validation: await slice(32, 'test'),
    outDir,
    resume: options.resume ?? false,
    progress: options.progress ?? silentProgress,
    ...(options.signal && { signal: options.signal }),
  });
  const weights = trainableVariables(result.networks).map((v) => v.dataSync().slice());
  tf.dispose(trainableVariables(result.networks));
  return { weights, history: result.history };
}

// Resuming must give exactly the weights of an uninterrupted run: every random draw is derived from
// (seed, epoch, step), and the checkpoint holds the weights and the optimiser state bit for bit.
describe.each<[ModelId, Partial<RunConfig>]>([
  ['vae', {}],
  ['sparse', { optimizer: 'adadelta', learningRate: 1 }],
  ['denoise', { batchSize: 64 }],
  // Through a learning-rate drop, with the fused LSTM op.
  ['seq2seq', { learningRateDrops: [1] }],
  // Weight decay, KL warm-up across the resume, and early stopping's bookkeeping.
  ['vae', { weightDecay: 0.05, klWarmup: 2, patience: 5 }],
])('resuming %s', (model, overrides) => {
  it('after a finished epoch gives the same weights as an uninterrupted run', async () => {
    const full = config(model, { epochs: 3, ...overrides });
    const straightDir = await tempDir();
    const resumedDir = await tempDir();
    dirs.push(straightDir, resumedDir);
    const straight = await run(full, straightDir);
    await run({ ...full, epochs: 1 }, resumedDir);
    const resumed = await run(full, resumedDir, { resume: true });
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    resumed.weights.forEach((w, i) => {
      expect(w).toEqual(straight.weights[i]);
    });
  });
});

describe('a learning-rate drop', () => {
  it('changes training after its epoch, and may be added on resume only where it changes nothing done', async () => {
    const base = config('simple', { epochs: 2 });
    const [constantDir, droppedDir] = [await tempDir(), await tempDir()];
    dirs.push(constantDir, droppedDir);
    const constant = await run(base, constantDir);
    await run({ ...base, epochs: 1 }, droppedDir);
    // Deciding after epoch 1 to drop the rate after it is allowed; the first epoch matches.
    const dropped = await run({ ...base, learningRateDrops: [1] }, droppedDir, { resume: true });
    expect(dropped.history[0]?.loss).toBe(constant.history[0]?.loss);
    expect(dropped.weights[0]).not.toEqual(constant.weights[0]);
    // A drop inside the epochs already trained would not reproduce them.
    await expect(
      run({ ...base, epochs: 3, learningRateDrops: [1] }, constantDir, { resume: true }),
    ).rejects.toThrow(/cannot resume, learning-rate drops were \[\], now \[1\]/);
  });
});

describe('an interrupted run', () => {
  it('stops within the epoch, keeps the last checkpoint, and resumes to the same result', async () => {
    const full = config('simple', { epochs: 2 });
    const straightDir = await tempDir();
    const dir = await tempDir();
    dirs.push(straightDir, dir);
    const straight = await run(full, straightDir);

    const controller = new AbortController();
    let steps = 0;
    const progress: Progress = {
      ...silentProgress,
      step() {
        // Ctrl-C in the middle of the second epoch.
        if (++steps === 8 + 3) controller.abort();
      },
    };
    await expect(run(full, dir, { progress, signal: controller.signal })).rejects.toBeInstanceOf(Interrupted);
    expect(existsSync(path.join(dir, CHECKPOINT_FILE))).toBe(true);
    const resumed = await run(full, dir, { resume: true });
    expect(resumed.history).toHaveLength(2);
    resumed.weights.forEach((w, i) => {
      expect(w).toEqual(straight.weights[i]);
    });
  });

  it('refuses to resume a cosine schedule over another number of epochs', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await run(config('simple', { epochs: 1, schedule: 'cosine' }), dir);
    await expect(
      run(config('simple', { epochs: 3, schedule: 'cosine' }), dir, { resume: true }),
    ).rejects.toThrow(/cannot resume, epochs was 1, now 3/);
  });

  it('resumes a cosine schedule (set step by step) to the same result', async () => {
    const full = config('sparse', { epochs: 3, schedule: 'cosine', weightDecay: 0.05 });
    const straightDir = await tempDir();
    const dir = await tempDir();
    dirs.push(straightDir, dir);
    const straight = await run(full, straightDir);
    const controller = new AbortController();
    let steps = 0;
    const progress: Progress = {
      ...silentProgress,
      step() {
        if (++steps === 8 + 5) controller.abort();
      },
    };
    await expect(run(full, dir, { progress, signal: controller.signal })).rejects.toBeInstanceOf(Interrupted);
    const resumed = await run(full, dir, { resume: true });
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    resumed.weights.forEach((w, i) => {
      expect(w).toEqual(straight.weights[i]);
    });
  });

  it('refuses to resume with different settings', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await run(config('simple', { epochs: 1 }), dir);
    await expect(run(config('simple', { epochs: 2, batchSize: 64 }), dir, { resume: true })).rejects.toThrow(
      /cannot resume, batchSize was 32, now 64; pass the same options or drop --resume/,
    );
  });
});

describe('a diverging run', () => {
  it('stops at the first non-finite loss and leaves the last good checkpoint and history untouched', async () => {
    const full = config('simple', { epochs: 2 });
    const dir = await tempDir();
    dirs.push(dir);
    await run({ ...full, epochs: 1 }, dir);
    const checkpoint = readFileSync(path.join(dir, CHECKPOINT_FILE));
    const history = readFileSync(path.join(dir, HISTORY_FILE), 'utf8');
    // Same settings, so the resume is allowed; the images make the loss NaN from epoch 2's first step.
    const poisoned = (await slice(256)).fill(Number.NaN);
    const failure = run(full, dir, { resume: true, images: poisoned });
    await expect(failure).rejects.toBeInstanceOf(Diverged);
    await expect(failure).rejects.toThrow(
      'simple: the loss became NaN at epoch 2, step 1 of 8; lower --learning-rate (it was 0.001) and start again; the checkpoint after epoch 1 is kept',
    );
    expect(readFileSync(path.join(dir, CHECKPOINT_FILE)).equals(checkpoint)).toBe(true);
    expect(readFileSync(path.join(dir, HISTORY_FILE), 'utf8')).toBe(history);
  });
});
