/**
 * Evaluates released ONNX models on the MNIST test set, the way a user of the files would run
 * them (onnxruntime-node, through modelkit's ModelRunner, every file's SHA-256 checked against the
 * manifest), and checks each model against its release targets (modelkit's quality.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  addGaussianNoise,
  CATALOG,
  checkTargets,
  DENOISE_NOISE_FACTOR,
  IMAGE_SIZE,
  type Manifest,
  type ManifestFile,
  MODEL_IDS,
  type ModelId,
  ModelRunner,
  parseManifest,
  psnr,
  psnrOfMse,
  QUALITY_TARGETS,
  type QualityFigures,
  seededRandom,
  type TargetCheck,
} from '@autoencoders/modelkit';
import * as ort from 'onnxruntime-node';
import { UserError } from './errors.ts';
import { randomNormal } from './inputs.ts';

export interface ModelEvaluation {
  model: ModelId;
  figures: QualityFigures;
  targets: TargetCheck[];
  /** How the weights were trained, from the manifest's copy of the trainer's metrics.json. */
  training: {
    epochs: number | null;
    seconds: number | null;
    timeToTarget: { epoch: number; seconds: number } | null;
    /** When the validation BCE first reached the post's own test figure. */
    timeToPost: { epoch: number; seconds: number } | null;
    backend: string | null;
  };
}

export interface EvaluateOptions {
  /** The folder holding manifest.json and the ONNX files. */
  dir: string;
  /** Test images, `count × 784` values in [0, 1]. */
  images: Float32Array;
  /** Models to evaluate; default: every model in the manifest, in catalogue order. */
  models?: ModelId[];
  /** Seeds the denoiser's noise and the VAE's latent samples, so a rerun gives the same figures. */
  seed?: number;
}

const CHUNK = 500;
// Probabilities are clipped as Keras's binary_crossentropy does, so a saturated pixel stays finite.
const EPSILON = 1e-7;

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file}: not found (export first: pnpm export)`);
  }
  try {
    return parseManifest(JSON.parse(text));
  } catch (error) {
    throw new UserError(`${file}: ${(error as Error).message}`);
  }
}

/** A runner over onnxruntime-node, one thread per session, as the measurements are taken. */
export function onnxRunner(
  manifest: Manifest,
  getFile: (file: ManifestFile) => Promise<Uint8Array>,
): ModelRunner {
  return new ModelRunner({
    manifest,
    ort: ort as never,
    getFile,
    sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
}

export async function evaluateModels(options: EvaluateOptions): Promise<ModelEvaluation[]> {
  const manifest = await readManifest(options.dir);
  const runner = onnxRunner(manifest, (file) => readFile(path.join(options.dir, file.path)));
  const broken = (await runner.check()).filter((f) => f.status !== 'ok');
  if (broken.length > 0) {
    throw new UserError(
      `${options.dir}: ${broken.map((f) => `${f.path} ${f.detail ?? f.status}`).join('; ')}`,
    );
  }
  const models = modelsOf(manifest, options.dir, options.models);

  const figures = new Map<ModelId, QualityFigures>();
  for (const id of models) figures.set(id, await measureModel(runner, id, options.images, options.seed ?? 1));
  // Relative targets (sparse's code vs simple's) compare with the other model of the same manifest,
  // measured too when it was not asked for.
  const referenced = models.flatMap((id) => QUALITY_TARGETS[id].flatMap((t) => t.relativeTo ?? []));
  for (const id of referenced) {
    if (!figures.has(id) && manifest.models[id])
      figures.set(id, await measureModel(runner, id, options.images, options.seed ?? 1));
  }
  const reference = Object.fromEntries(figures);
  return models.map((id) => {
    const f = figures.get(id) as QualityFigures;
    const metrics = manifest.models[id]?.metrics ?? {};
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    const reached = (key: 'timeToTarget' | 'timeToPost') => {
      const at = metrics[key] as { epoch?: unknown; seconds?: unknown } | null | undefined;
      const [epoch, seconds] = [num(at?.epoch), num(at?.seconds)];
      return epoch !== null && seconds !== null ? { epoch, seconds } : null;
    };
    return {
      model: id,
      figures: f,
      targets: checkTargets(id, f, reference),
      training: {
        epochs: num(metrics.epochs),
        seconds: num(metrics.seconds),
        timeToTarget: reached('timeToTarget'),
        timeToPost: reached('timeToPost'),
        backend: typeof metrics.backend === 'string' ? metrics.backend : null,
      },
    };
  });
}

/**
 * The test-set figures of one model, from the ONNX files `runner` serves (the float16 pass runs it
 * on a manifest whose files are the float16 variants).
 */
export async function measureModel(
  runner: ModelRunner,
  id: ModelId,
  images: Float32Array,
  seed: number,
): Promise<QualityFigures> {
  const count = images.length / IMAGE_SIZE;
  const noise = seededRandom(seed);
  const sums = { bce: 0, mse: 0, code: 0, codeValues: 0, psnrNoisy: 0, psnrDenoised: 0, vae: 0, kl: 0 };
  for (let start = 0; start < count; start += CHUNK) {
    const clean = images.subarray(start * IMAGE_SIZE, Math.min(start + CHUNK, count) * IMAGE_SIZE);
    const n = clean.length / IMAGE_SIZE;
    if (id === 'denoise') {
      const noisy = addGaussianNoise(clean, DENOISE_NOISE_FACTOR, noise);
      const out = (await runner.denoise(noisy)).data;
      accumulate(sums, out, clean);
      for (let i = 0; i < n; i++) {
        const at = (a: Float32Array) => a.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE);
        sums.psnrNoisy += psnr(at(noisy), at(clean));
        sums.psnrDenoised += psnr(at(out), at(clean));
      }
      continue;
    }
    accumulate(sums, (await runner.reconstruct(id, clean)).data, clean);
    if (id === 'vae') {
      const loss = await vaeLoss(runner, clean, seed + start);
      sums.vae += loss.total;
      sums.kl += loss.kl;
    } else if (CATALOG[id].codeShape && CATALOG[id].operations.includes('encode')) {
      const code = Object.values(await runner.encode(id, clean))[0]?.data ?? new Float32Array();
      for (const v of code) sums.code += v;
      sums.codeValues += code.length;
    }
  }
  const pixels = count * IMAGE_SIZE;
  return {
    bce: sums.bce / pixels,
    mse: sums.mse / pixels,
    ...(sums.codeValues > 0 && { meanCodeActivation: sums.code / sums.codeValues }),
    ...(id === 'denoise' && {
      psnrNoisy: sums.psnrNoisy / count,
      psnrDenoised: sums.psnrDenoised / count,
      psnrDenoisedOfMse: psnrOfMse(sums.mse / pixels),
    }),
    // The reconstruction decodes z_mean: its BCE, summed over an image's pixels, plus the same KL.
    ...(id === 'vae' && {
      vaeTotal: sums.vae / count,
      vaeTotalAtMean: (sums.bce + sums.kl) / count,
    }),
  };
}

function accumulate(sums: { bce: number; mse: number }, output: Float32Array, target: Float32Array) {
  for (let i = 0; i < target.length; i++) {
    const p = Math.min(Math.max(output[i] as number, EPSILON), 1 - EPSILON);
    const t = target[i] as number;
    sums.bce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    sums.mse += (p - t) ** 2;
  }
}

/**
 * The VAE's loss summed over a chunk, as the trainer defines it per sample: 784 · BCE of the decoder's
 * output at a latent point sampled from the encoder's Gaussian, plus the KL divergence from N(0, I).
 */
async function vaeLoss(
  runner: ModelRunner,
  images: Float32Array,
  seed: number,
): Promise<{ total: number; kl: number }> {
  const encoded = await runner.encode('vae', images);
  const mean = encoded.z_mean?.data;
  const zLogVar = encoded.z_log_var?.data;
  if (!mean || !zLogVar) throw new UserError('vae encoder: expected outputs z_mean and z_log_var');
  const eps = randomNormal(mean.length, seed);
  const z = mean.map((m, i) => m + Math.exp((zLogVar[i] as number) / 2) * (eps[i] as number));
  const decoded = (await runner.decode('vae', z)).data;
  const sums = { bce: 0, mse: 0 };
  accumulate(sums, decoded, images);
  let kl = 0;
  for (let i = 0; i < mean.length; i++) {
    const lv = zLogVar[i] as number;
    kl += -0.5 * (1 + lv - (mean[i] as number) ** 2 - Math.exp(lv));
  }
  // accumulate sums BCE over pixels: that is 784 · mean BCE per image, summed over the chunk.
  return { total: sums.bce + kl, kl };
}

/** The models asked for (every one the manifest has by default); a missing one is the user's mistake. */
export function modelsOf(manifest: Manifest, dir: string, requested?: readonly ModelId[]): ModelId[] {
  const present = MODEL_IDS.filter((id) => manifest.models[id]);
  const models = requested ? [...requested] : present;
  const missing = models.filter((id) => !manifest.models[id]);
  if (missing.length > 0)
    throw new UserError(`${dir}: manifest has no ${missing.join(', ')} (it has ${present.join(', ')})`);
  return models;
}
