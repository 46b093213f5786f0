/**
 * The expected numbers, computed in the test process: onnxruntime-node over the same ONNX files and
 * the same MNIST test digit the page uses.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Manifest, ModelId } from '@autoencoders/modelkit';
import * as ort from 'onnxruntime-node';
import { loadTestDigits } from '../scripts/test-digits.ts';

export const MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

export async function readManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(`${MODELS_DIR}manifest.json`, 'utf8')) as Manifest;
}

/** Test digit `index` as the page feeds it to the models: bytes / 255. */
export function testDigit(index: number): Float32Array {
  const { pixels, index: meta } = loadTestDigits(index + 1);
  const size = meta.rows * meta.cols;
  return Float32Array.from(pixels.subarray(index * size, (index + 1) * size), (v) => v / 255);
}

/** The label of test digit `index`. */
export function labelOf(index: number): number {
  return loadTestDigits(index + 1).index.labels[index] as number;
}

/** Runs a model's whole autoencoder (`<id>.onnx`: image → reconstruction) on one image. */
export async function reconstruct(
  manifest: Manifest,
  id: ModelId,
  image: Float32Array,
): Promise<Float32Array> {
  const file = manifest.models[id]?.files.find((f) => f.role === 'autoencoder');
  if (!file) throw new Error(`no autoencoder for ${id}`);
  const session = await ort.InferenceSession.create(`${MODELS_DIR}${file.path}`);
  try {
    const input = file.inputs[0]?.name ?? 'image';
    const output = file.outputs[0]?.name ?? 'reconstruction';
    const results = await session.run({ [input]: new ort.Tensor('float32', image, [1, image.length]) });
    return results[output]?.data as Float32Array;
  } finally {
    await session.release();
  }
}
