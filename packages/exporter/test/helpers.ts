import { execFile } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ortWeb from 'onnxruntime-web';
import { convertLayersModel } from '../src/convert.ts';
import { type Batch, measureParity, type Parity } from '../src/parity.ts';

export { saveLayersModel } from '@autoencoders/trainer/artifacts';
export { MODELS } from '@autoencoders/trainer/models';

export const PRODUCER = { name: 'exporter-tests', version: '0' };

/** A seeded generator so failures repeat. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Uniform values in [lo, hi), shaped for one runtime or the other. */
export function uniform(dims: number[], seed: number, lo = 0, hi = 1): Batch {
  const next = random(seed);
  const size = dims.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: size }, () => lo + (hi - lo) * next()), dims };
}

/**
 * Zero biases would hide a bias laid out wrongly (the LSTM's gate order, for one): give every
 * rank-1 weight random values.
 */
export function randomizeBiases(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(
      weights.map((w, i) => (w.rank === 1 ? tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i) : w)),
    );
  }
}

/** Converts a one-input model and measures tfjs vs onnxruntime-node on random inputs. */
export async function parityOf(
  model: tf.LayersModel,
  options: { samples?: number; seed?: number; range?: [number, number] } = {},
): Promise<Parity & { bytes: Uint8Array }> {
  const inputNames = model.inputs.map((_, i) => `input_${i}`);
  const outputNames = model.outputs.map((_, i) => `output_${i}`);
  const bytes = convertLayersModel(model, { inputNames, outputNames, graphName: 'test', producer: PRODUCER });
  const [lo, hi] = options.range ?? [-1, 1];
  const feeds = Object.fromEntries(
    model.inputs.map((input, i) => [
      inputNames[i] as string,
      uniform([options.samples ?? 8, ...(input.shape.slice(1) as number[])], (options.seed ?? 1) + i, lo, hi),
    ]),
  );
  return { ...(await measureParity(model, bytes, feeds, outputNames)), bytes };
}

let webReady = false;

/** Runs a model in onnxruntime-web's WASM backend, under Node. */
export async function runOnnxWeb(
  bytes: Uint8Array,
  feeds: Record<string, Batch>,
): Promise<Record<string, Batch>> {
  if (!webReady) {
    // Under Node, `onnxruntime-web` resolves to its node build, which finds its .wasm beside itself;
    // one thread keeps the shared CPU free and matches what the Workers edge runs with.
    ortWeb.env.wasm.numThreads = 1;
    webReady = true;
  }
  const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, b]) => [name, new ortWeb.Tensor('float32', b.data, b.dims)]),
    );
    const results = await session.run(tensors);
    return Object.fromEntries(
      Object.entries(results).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]),
    );
  } finally {
    await session.release();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the package's commands as `pnpm export` / `pnpm evaluate` do: tsx in the package
 * folder, the user's folder (`userDir`) in INIT_CWD.
 */
export function runCommand(script: string, userDir: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, INIT_CWD: userDir } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}
