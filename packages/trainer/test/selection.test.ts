import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.ts';
import { readCheckpoint } from '../src/train/checkpoint.ts';
import type { RunConfig } from '../src/train/config.ts';
import { silentProgress } from '../src/train/progress.ts';
import { CHECKPOINT_FILE, type EpochRecord, train, trainableVariables } from '../src/train/train.ts';
import { config, slice, tempDir } from './helpers.ts';

beforeAll(async () => {
  await selectBackend('wasm', 2);
});

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * Validation images the model gets worse at as it learns: inverted digits (white background).
 * Trained on real digits, the validation loss is lowest after the first epoch and rises after.
 */
async function inverted(): Promise<Float32Array> {
  return (await slice(64, 'test')).map((x) => 1 - x);
}

async function run(
  run: RunConfig,
  options: { dir?: string; resume?: boolean; validation?: Float32Array } = {},
) {
  const outDir = options.dir ?? (await tempDir());
  dirs.push(outDir);
  const result = await train({
    config: run,
    train: await slice(256),
    validation: options.validation ?? (await slice(64, 'test')),
    outDir,
    resume: options.resume ?? false,
    progress: silentProgress,
  });
  const weights = trainableVariables(result.networks).map((v) => v.dataSync().slice());
  tf.dispose(trainableVariables(result.networks));
  return { ...result, weights, dir: outDir };
}

const argmin = (history: EpochRecord[]) =>
  history.reduce((best, h) => (h.valLoss < best.valLoss ? h : best)).epoch;

describe('the chosen epoch', () => {
  it('is the one with the lowest validation loss, and its weights are the ones returned', async () => {
    const validation = await inverted();
    const long = await run(config('simple', { epochs: 4 }), { validation });
    expect(long.history).toHaveLength(4);
    expect(long.chosenEpoch).toBe(argmin(long.history));
    expect(long.chosenEpoch).toBeLessThan(4);
    // The same run stopped at the chosen epoch ends with exactly those weights.
    const short = await run(config('simple', { epochs: long.chosenEpoch }), { validation });
    long.weights.forEach((w, i) => {
      expect(w).toEqual(short.weights[i]);
    });
    // The checkpoint keeps them beside the last epoch's, for --resume.
    const checkpoint = await readCheckpoint(path.join(long.dir, CHECKPOINT_FILE));
    expect(checkpoint.best?.epoch).toBe(long.chosenEpoch);
    checkpoint.best?.values.forEach((w, i) => {
      expect(w).toEqual(long.weights[i]);
    });
  });

  it('stays the best one across a resume, bit for bit', async () => {
    const validation = await inverted();
    const straight = await run(config('simple', { epochs: 4 }), { validation });
    const dir = await tempDir();
    await run(config('simple', { epochs: 2 }), { dir, validation });
    const resumed = await run(config('simple', { epochs: 4 }), { dir, validation, resume: true });
    expect(resumed.chosenEpoch).toBe(straight.chosenEpoch);
    resumed.weights.forEach((w, i) => {
      expect(w).toEqual(straight.weights[i]);
    });
  });
});

describe('early stopping', () => {
  it('ends the run once the validation loss has not improved for `patience` epochs, also on resume', async () => {
    const validation = await inverted();
    const stopped = await run(config('simple', { epochs: 10, patience: 2 }), { validation });
    expect(stopped.chosenEpoch).toBe(1);
    expect(stopped.history).toHaveLength(3);
    expect(stopped.stoppedAfter).toBe(3);
    // Resuming a stopped run trains no further; a larger patience (allowed on resume) does.
    const again = await run(config('simple', { epochs: 10, patience: 2 }), {
      dir: stopped.dir,
      validation,
      resume: true,
    });
    expect(again.history).toHaveLength(3);
    const patient = await run(config('simple', { epochs: 10, patience: 3 }), {
      dir: stopped.dir,
      validation,
      resume: true,
    });
    expect(patient.history).toHaveLength(4);
  });

  it('never stops a run whose validation loss keeps improving', async () => {
    const improving = await run(config('simple', { epochs: 3, patience: 1 }));
    expect(improving.stoppedAfter).toBeNull();
    expect(improving.chosenEpoch).toBe(3);
  });
});

describe('regularisation', () => {
  it('weight decay shrinks the kernels, not the biases', async () => {
    const plain = await run(config('simple', { epochs: 1 }));
    const decayed = await run(config('simple', { epochs: 1, weightDecay: 100 }));
    const norm = (w: Float32Array) => Math.hypot(...w);
    // [kernel 784×32, bias 32, kernel 32×784, bias 784]
    expect(norm(decayed.weights[0] as Float32Array)).toBeLessThan(
      norm(plain.weights[0] as Float32Array) * 0.9,
    );
    expect(norm(decayed.weights[2] as Float32Array)).toBeLessThan(
      norm(plain.weights[2] as Float32Array) * 0.9,
    );
  });

  it("KL warm-up weighs the VAE's KL term less while training, and validates on the whole ELBO", async () => {
    const warm = await run(config('vae', { epochs: 1, klWarmup: 2 }));
    const [epoch] = warm.history as [EpochRecord];
    const terms = epoch.terms as { reconstruction: number; kl: number };
    expect(epoch.loss).toBeLessThan(terms.reconstruction + terms.kl - 1);
    const valTerms = epoch.valTerms as { reconstruction: number; kl: number };
    expect(epoch.valLoss).toBeCloseTo(valTerms.reconstruction + valTerms.kl, 3);
  });
});
