import { createHash } from 'node:crypto';
import {
  addGaussianNoise,
  CATALOG,
  DENOISE_NOISE_FACTOR,
  IMAGE_SIZE,
  type ManifestFile,
  type ManifestFileRole,
  type ManifestTensor,
  type ModelId,
  seededRandom,
} from '@autoencoders/modelkit';
import type { SavedNetworks } from '@autoencoders/trainer/artifacts';
import type * as tf from '@tensorflow/tfjs';
import { convertLayersModel } from './convert.ts';
import { ParityError } from './errors.ts';
import { GENERATOR } from './generator.ts';
import { randomNormal } from './inputs.ts';
import { fileName, ioNames } from './naming.ts';
import { OPSET } from './onnx/proto.ts';
import { type Batch, measureParity, PARITY_TOLERANCE } from './parity.ts';

/** The networks of one model, as the trainer saves them. */
export type Networks = SavedNetworks;

export interface ExportedFile {
  /** What the manifest says about the file. */
  entry: ManifestFile;
  data: Uint8Array;
}

export interface ExportNetworksOptions {
  /** Parity inputs: [n × 784] floats in [0, 1], real digits where possible. */
  images: Float32Array;
  /** Largest accepted |tfjs − onnxruntime|; {@link PARITY_TOLERANCE} by default. */
  tolerance?: number;
  /** Seeds the denoiser's noise and the VAE's latent points. */
  seed?: number;
}

function tensorSpecs(names: readonly string[], tensors: readonly tf.SymbolicTensor[]): ManifestTensor[] {
  return tensors.map((t, i) => ({
    name: names[i] as string,
    shape: ['batch', ...(t.shape.slice(1) as number[])],
    dtype: 'float32',
  }));
}

/**
 * The decoder's parity inputs: the encoder's codes for the parity images where it gives one code
 * of the shape the decoder takes; otherwise (the VAE) standard normal points, which is what the
 * decoder was trained to turn into digits.
 */
function decoderInputs(
  decoder: tf.LayersModel,
  encoded: Record<string, Batch> | undefined,
  n: number,
  seed: number,
): Batch {
  const dims = [n, ...((decoder.inputs[0]?.shape ?? []).slice(1) as number[])];
  const codes = encoded ? Object.values(encoded) : [];
  const [code] = codes;
  if (codes.length === 1 && code && code.dims.join() === dims.join()) return code;
  return {
    data: randomNormal(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ),
    dims,
  };
}

/**
 * Converts every network of a model to ONNX and checks each file against tfjs with
 * onnxruntime-node; throws a {@link ParityError} rather than return a file that differs.
 */
export async function exportNetworks(
  id: ModelId,
  networks: Networks,
  options: ExportNetworksOptions,
): Promise<ExportedFile[]> {
  const tolerance = options.tolerance ?? PARITY_TOLERANCE;
  const seed = options.seed ?? 1;
  const n = options.images.length / IMAGE_SIZE;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `parity images: ${options.images.length} floats is not a whole number of 784-pixel images`,
    );
  const images: Batch = {
    // The denoiser is checked on what it is for: noisy digits.
    data: CATALOG[id].operations.includes('denoise')
      ? addGaussianNoise(options.images, DENOISE_NOISE_FACTOR, seededRandom(seed))
      : options.images,
    dims: [n, IMAGE_SIZE],
  };

  const files: ExportedFile[] = [];
  let encoded: Record<string, Batch> | undefined;
  const roles: [ManifestFileRole, tf.LayersModel | undefined][] = [
    ['autoencoder', networks.autoencoder],
    ['encoder', networks.encoder],
    ['decoder', networks.decoder],
  ];
  for (const [role, model] of roles) {
    if (!model) continue;
    const names = ioNames(id, role);
    const path = fileName(id, role);
    const data = convertLayersModel(model, {
      inputNames: names.inputs,
      outputNames: names.outputs,
      graphName: `${id}_${role}`,
      producer: GENERATOR,
      docString: `${CATALOG[id].title}: ${role}, exported from TensorFlow.js`,
    });
    const input = role === 'decoder' ? decoderInputs(model, encoded, n, seed) : images;
    const feeds = { [names.inputs[0] as string]: input };
    const parity = await measureParity(model, data, feeds, names.outputs);
    if (role === 'encoder') encoded = parity.reference;
    if (!(parity.maxAbsDiff <= tolerance)) {
      throw new ParityError(
        `${path}: onnxruntime differs from tfjs by up to ${parity.maxAbsDiff.toExponential(2)} (tolerance ${tolerance}) on ${parity.samples} samples`,
      );
    }
    files.push({
      data,
      entry: {
        role,
        path,
        inputs: tensorSpecs(names.inputs, model.inputs),
        outputs: tensorSpecs(names.outputs, model.outputs),
        opset: OPSET,
        bytes: data.byteLength,
        sha256: createHash('sha256').update(data).digest('hex'),
        parity: { maxAbsDiff: parity.maxAbsDiff, samples: parity.samples },
        weightsDtype: 'float32',
      },
    });
  }
  return files;
}
