/**
 * The browser's float16 weights: for each model, a weight-only float16 copy (onnx/float16.ts) of
 * every file the browser loads, kept only where the model's test-set figures with the copies stay
 * within a relative tolerance (1 %) of its figures with the float32 files. Runs on a released models
 * folder as it is: the float32 files are read, never rewritten.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  addGaussianNoise,
  browserManifest,
  CATALOG,
  DENOISE_NOISE_FACTOR,
  IMAGE_SIZE,
  type Manifest,
  type ManifestFile,
  type ManifestFileVariant,
  type ManifestModel,
  type ManifestPrecision,
  type ModelId,
  maxAbsDiff,
  QUALITY_TARGETS,
  type QualityMetric,
  seededRandom,
  servedFiles,
} from '@autoencoders/modelkit';
import { UserError } from './errors.ts';
import { measureModel, modelsOf, onnxRunner, readManifest } from './evaluate.ts';
import { randomNormal } from './inputs.ts';
import { float16Weights } from './onnx/float16.ts';
import { replaceFolder, writeManifest } from './output.ts';
import { type Batch, runOnnx } from './parity.ts';

/** A float16 variant is used only where every figure moves by at most this fraction of its float32 value. */
export const FLOAT16_TOLERANCE = 0.01;

/** How many of the images each variant file is compared with its float32 file on. */
export const FLOAT16_AGREEMENT_SAMPLES = 256;

/** `simple.encoder.onnx` → `simple.encoder.fp16.onnx`. */
export function float16Name(file: string): string {
  return `${file.replace(/\.onnx$/, '')}.fp16.onnx`;
}

export interface Float16VariantsOptions {
  /** A models folder: manifest.json and the float32 files it lists. */
  dir: string;
  /** Test images, `count × 784` values in [0, 1]: the figures are measured on all of them. */
  images: Float32Array;
  /** Which models; every model of the manifest by default. */
  models?: readonly ModelId[];
  /** {@link FLOAT16_TOLERANCE} by default. */
  tolerance?: number;
  /** Seeds the denoiser's noise and the VAE's latent samples, the same for both runs. */
  seed?: number;
  log?: (line: string) => void;
}

/** What the pass decided for one model. */
export interface Float16Decision {
  model: ModelId;
  precision: ManifestPrecision;
  /** The largest relative change among the figures. */
  worstChange: number;
  /** Every variant made, with its size, whether kept or not. */
  files: { path: string; variant: string; bytes: number; variantBytes: number; maxAbsDiff: number }[];
}

export interface Float16VariantsResult {
  manifest: Manifest;
  decisions: Float16Decision[];
}

/** The figures a model's release targets are written in: the ones that must survive float16. */
export function precisionMetrics(id: ModelId): QualityMetric[] {
  return [...new Set(QUALITY_TARGETS[id].map((t) => t.metric))];
}

/** |float16 − float32| / |float32|, with a zero float32 figure only matched by a zero. */
export function relativeChange(float32: number, float16: number): number {
  if (float32 === float16) return 0;
  return Math.abs(float16 - float32) / Math.abs(float32);
}

/** The files the browser loads for a model: what ModelRunner serves from. */
function browserFiles(manifest: Manifest, id: ModelId): ManifestFile[] {
  const model = manifest.models[id];
  return model ? servedFiles(model) : [];
}

/**
 * Inputs to compare a variant with its float32 file on: images (the denoiser's noisy), or for a
 * decoder the float32 encoder's first output on the same images, or standard normal points where that
 * does not fit.
 */
async function agreementInputs(
  id: ModelId,
  file: ManifestFile,
  images: Float32Array,
  seed: number,
  float32: Map<string, Uint8Array>,
  model: ManifestModel,
): Promise<Batch> {
  const input = file.inputs[0];
  if (!input) throw new Error(`${file.path}: no input`);
  const size = input.shape.reduce<number>((n, d) => (d === 'batch' ? n : n * d), 1);
  const n = images.length / IMAGE_SIZE;
  const dims = input.shape.map((d) => (d === 'batch' ? n : d));
  if (size === IMAGE_SIZE) {
    const data = CATALOG[id].operations.includes('denoise')
      ? addGaussianNoise(images, DENOISE_NOISE_FACTOR, seededRandom(seed))
      : images;
    return { data, dims };
  }
  const encoder = model.files.find((f) => f.role === 'encoder');
  const encoderBytes = encoder && float32.get(encoder.path);
  const imageInput = encoder?.inputs[0]?.name;
  if (encoder && encoderBytes && imageInput) {
    const out = await runOnnx(encoderBytes, { [imageInput]: { data: images, dims: [n, IMAGE_SIZE] } });
    const code = out[encoder.outputs[0]?.name ?? ''];
    if (code && code.data.length === n * size) return { data: code.data, dims };
  }
  return { data: randomNormal(n * size, seed), dims };
}

/**
 * Makes the float16 variants of the models' browser files, measures each model's figures with the
 * float32 files and with the variants, and rewrites `dir` (atomically) with the variants that pass
 * and a manifest recording both figures and the browser's choice. Variants that do not pass are not
 * written. The float32 files and everything else in the folder stay byte for byte.
 */
export async function addFloat16Variants(options: Float16VariantsOptions): Promise<Float16VariantsResult> {
  const tolerance = options.tolerance ?? FLOAT16_TOLERANCE;
  const seed = options.seed ?? 1;
  const count = options.images.length / IMAGE_SIZE;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`images: ${options.images.length} floats is not a whole number of 784-pixel images`);
  const previous = await readManifest(options.dir);
  const ids = modelsOf(previous, options.dir, options.models);

  // The float32 files, read once and checked against the manifest by the runner.
  const float32 = new Map<string, Uint8Array>();
  const readFloat32 = async (file: ManifestFile) => {
    let bytes = float32.get(file.path);
    if (!bytes) {
      bytes = new Uint8Array(await readFile(path.join(options.dir, file.path)));
      float32.set(file.path, bytes);
    }
    return bytes;
  };
  // Starts from the float32 release: variants of an earlier pass are made again, not trusted.
  const base: Manifest = {
    ...previous,
    models: Object.fromEntries(
      Object.entries(previous.models).map(([id, m]) => [
        id,
        ids.includes(id as ModelId) ? withoutVariants(m) : m,
      ]),
    ),
  };
  const float32Runner = onnxRunner(base, readFloat32);
  const broken = (await float32Runner.check()).filter((f) => f.status !== 'ok' && ids.includes(f.model));
  if (broken.length > 0)
    throw new UserError(
      `${options.dir}: ${broken.map((f) => `${f.path} ${f.detail ?? f.status}`).join('; ')}`,
    );

  const agreementImages = options.images.subarray(0, Math.min(count, FLOAT16_AGREEMENT_SAMPLES) * IMAGE_SIZE);
  const decisions: Float16Decision[] = [];
  const written = new Map<string, Uint8Array>();
  const models = { ...base.models };
  for (const id of ids) {
    const model = base.models[id] as ManifestModel;
    const variants = new Map<string, { variant: ManifestFileVariant; data: Uint8Array }>();
    const rows: Float16Decision['files'] = [];
    for (const file of browserFiles(base, id)) {
      const bytes = await readFloat32(file);
      const { data } = float16Weights(bytes);
      const feed = await agreementInputs(id, file, agreementImages, seed, float32, model);
      const name = file.inputs[0]?.name ?? '';
      const [a, b] = [await runOnnx(bytes, { [name]: feed }), await runOnnx(data, { [name]: feed })];
      const worst = Math.max(
        ...file.outputs.map((o) => {
          const [x, y] = [a[o.name], b[o.name]];
          if (!x || !y) throw new Error(`${file.path}: no output '${o.name}'`);
          return maxAbsDiff(x.data, y.data);
        }),
      );
      const variant: ManifestFileVariant = {
        weightsDtype: 'float16',
        path: float16Name(file.path),
        bytes: data.byteLength,
        sha256: createHash('sha256').update(data).digest('hex'),
        parity: { maxAbsDiff: worst, samples: feed.dims[0] as number },
      };
      variants.set(file.path, { variant, data });
      rows.push({
        path: file.path,
        variant: variant.path,
        bytes: file.bytes,
        variantBytes: data.byteLength,
        maxAbsDiff: worst,
      });
    }

    options.log?.(`${id}: measuring with float32 and float16 weights on ${count} images`);
    const figures32 = await measureModel(float32Runner, id, options.images, seed);
    const candidate: ManifestModel = {
      ...model,
      files: model.files.map((f) => {
        const v = variants.get(f.path);
        return v ? { ...f, variants: [v.variant] } : f;
      }),
      precision: { tolerance, images: count, seed, figures: [], browser: 'float16' },
    };
    const candidateManifest = browserManifest({ ...base, models: { [id]: candidate } });
    const byPath = new Map([...variants.values()].map((v) => [v.variant.path, v.data]));
    const float16Runner = onnxRunner(candidateManifest, async (f) => byPath.get(f.path) ?? readFloat32(f));
    const figures16 = await measureModel(float16Runner, id, options.images, seed);

    const figures = precisionMetrics(id).map((metric) => {
      const [f32, f16] = [figures32[metric], figures16[metric]];
      if (f32 === undefined || f16 === undefined) throw new Error(`${id}: no ${metric} figure`);
      return { metric, float32: f32, float16: f16 };
    });
    const worstChange = Math.max(...figures.map((f) => relativeChange(f.float32, f.float16)));
    const keep = variants.size > 0 && worstChange <= tolerance;
    const precision: ManifestPrecision = {
      tolerance,
      images: count,
      seed,
      figures,
      browser: keep ? 'float16' : 'float32',
    };
    models[id] = { ...(keep ? candidate : model), precision };
    if (keep) for (const v of variants.values()) written.set(v.variant.path, v.data);
    decisions.push({ model: id, precision, worstChange, files: rows });
    options.log?.(
      `${id}: ${figures.map((f) => `${f.metric} ${f.float32} → ${f.float16}`).join(', ')}; ` +
        `${(worstChange * 100).toFixed(3)} % ${keep ? '≤' : '>'} ${tolerance * 100} %: the browser loads ${precision.browser}`,
    );
  }

  const manifest: Manifest = { ...base, models };
  await replaceFolder(options.dir, async (tmp) => {
    // Variants of an earlier pass go; those that passed this time are written again.
    for (const id of ids) {
      for (const file of previous.models[id]?.files ?? [])
        for (const v of file.variants ?? []) await rm(path.join(tmp, v.path), { force: true });
    }
    for (const [file, data] of written) await writeFile(path.join(tmp, file), data);
    await writeManifest(tmp, manifest);
  });
  return { manifest, decisions };
}

function withoutVariants(model: ManifestModel): ManifestModel {
  const { precision: _, ...rest } = model;
  return {
    ...rest,
    files: model.files.map((f) => {
      const { variants: __, ...file } = f;
      return file;
    }),
  };
}
