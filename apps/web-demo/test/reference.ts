/**
 * The expected numbers, computed in the test process: onnxruntime-node over the same ONNX files (the
 * float16 variants where the manifest gives the browser those) and the same MNIST test digit the
 * page uses; and over the float32 whole-autoencoder files, for how far float16 moves the page.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { browserManifest, type Manifest, type ModelId, parseManifest } from '@autoencoders/modelkit';
import * as ort from 'onnxruntime-node';
import { loadTestDigits } from '../scripts/test-digits.ts';

export const MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

export async function readManifest(): Promise<Manifest> {
  return parseManifest(JSON.parse(await readFile(`${MODELS_DIR}manifest.json`, 'utf8')));
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

/** Runs one ONNX file of models/ on one input: its first output. */
async function runFile(path: string, input: string, output: string, data: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(`${MODELS_DIR}${path}`);
  try {
    const results = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
    return results[output]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Runs a model's whole float32 autoencoder (`<id>.onnx`: image → reconstruction) on one image. */
export async function reconstructFloat32(
  manifest: Manifest,
  id: ModelId,
  image: Float32Array,
): Promise<Float32Array> {
  const file = manifest.models[id]?.files.find((f) => f.role === 'autoencoder');
  if (!file) throw new Error(`no autoencoder for ${id}`);
  const input = file.inputs[0]?.name ?? 'image';
  const output = file.outputs[0]?.name ?? 'reconstruction';
  return runFile(file.path, input, output, image, [1, image.length]);
}

/**
 * Reconstructs one image from the files the page loads (the manifest's browser view): through the
 * encoder and the decoder where the model has both, its whole autoencoder otherwise.
 */
export async function reconstruct(
  manifest: Manifest,
  id: ModelId,
  image: Float32Array,
): Promise<Float32Array> {
  const model = browserManifest(manifest).models[id];
  const [encoder, decoder, autoencoder] = (['encoder', 'decoder', 'autoencoder'] as const).map((role) =>
    model?.files.find((f) => f.role === role),
  );
  if (encoder && decoder) {
    const code = await runFile(
      encoder.path,
      encoder.inputs[0]?.name ?? 'image',
      encoder.outputs[0]?.name ?? 'code',
      image,
      [1, image.length],
    );
    const dims = (decoder.inputs[0]?.shape ?? []).map((d) => (d === 'batch' ? 1 : d));
    return runFile(
      decoder.path,
      decoder.inputs[0]?.name ?? 'code',
      decoder.outputs[0]?.name ?? 'reconstruction',
      code,
      dims,
    );
  }
  if (!autoencoder) throw new Error(`no autoencoder for ${id}`);
  return runFile(
    autoencoder.path,
    autoencoder.inputs[0]?.name ?? 'image',
    autoencoder.outputs[0]?.name ?? 'reconstruction',
    image,
    [1, image.length],
  );
}
