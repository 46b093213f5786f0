/**
 * What "good enough to release" means for each model: the targets its released weights must meet
 * on the MNIST test set. The trainer checks them after every epoch (time to quality), the
 * evaluation command checks the exported ONNX files against them, and the README's table shows them.
 */
import type { ModelId } from './catalog.ts';

/** The test-set figures the targets are written in. */
export interface QualityFigures {
  /** Mean per-pixel binary cross-entropy of the reconstructions (the denoiser: of the denoised outputs). */
  bce: number;
  mse: number;
  /** Mean value of the code over the test set (the post compares 3.33 for sparse with 7.30 for simple). */
  meanCodeActivation?: number;
  /**
   * The denoiser: PSNR (dB) of noisy inputs and of denoised outputs against the clean images, the
   * mean of each image's PSNR (the target's convention).
   */
  psnrNoisy?: number;
  psnrDenoised?: number;
  /** The denoiser's other convention: the PSNR of the whole set's mean squared error, 10·log10(1 / MSE). */
  psnrDenoisedOfMse?: number;
  /**
   * The VAE, per sample: 784 · BCE of the decoded latent point plus the KL divergence, with the point
   * sampled from the encoder's Gaussian (the ELBO the model is trained on; the target's convention).
   */
  vaeTotal?: number;
  /** The same with the point taken at the mean, z = z_mean (what `reconstruct` serves). */
  vaeTotalAtMean?: number;
}

export type QualityMetric = 'bce' | 'meanCodeActivation' | 'psnrDenoised' | 'vaeTotal';

export interface QualityTarget {
  metric: QualityMetric;
  /** The figure must be at most (`max`) or at least (`min`) this. */
  bound: 'max' | 'min';
  value: number;
  /** A further bound worth reaching (the post's own figure), reported but not required. */
  stretch?: number;
  /**
   * Set when the bound is a multiple of another model's figure (sparse's code must be at most half
   * of simple's); `value` is then the factor.
   */
  relativeTo?: ModelId;
}

export const QUALITY_TARGETS: Readonly<Record<ModelId, readonly QualityTarget[]>> = {
  // The post's figures with Adam: about 0.09 for simple, 0.08 for deep.
  simple: [{ metric: 'bce', bound: 'max', value: 0.09 }],
  sparse: [
    { metric: 'bce', bound: 'max', value: 0.095 },
    { metric: 'meanCodeActivation', bound: 'max', value: 0.5, relativeTo: 'simple' },
  ],
  deep: [{ metric: 'bce', bound: 'max', value: 0.082, stretch: 0.08 }],
  conv: [{ metric: 'bce', bound: 'max', value: 0.09, stretch: 0.088 }],
  denoise: [{ metric: 'psnrDenoised', bound: 'min', value: 20.5 }],
  seq2seq: [{ metric: 'bce', bound: 'max', value: 0.085 }],
  vae: [{ metric: 'vaeTotal', bound: 'max', value: 145 }],
};

const LABELS: Record<QualityMetric, string> = {
  bce: 'test BCE',
  meanCodeActivation: 'mean code',
  psnrDenoised: 'PSNR denoised (dB, mean per image)',
  vaeTotal: 'loss per sample (z sampled)',
};

export interface TargetCheck {
  model: ModelId;
  metric: QualityMetric;
  /** e.g. `test BCE 0.0903 ≤ 0.092`. */
  description: string;
  /** The measured figure, or null when the figures lack it. */
  value: number | null;
  /** The resolved bound, or null when it depends on a figure that is missing. */
  limit: number | null;
  met: boolean;
  /** Whether the stretch bound is met, where the target has one. */
  stretchMet?: boolean;
}

/**
 * Checks one model's figures against its targets. `reference` gives other models' figures for
 * relative targets; a relative target without its reference is reported as not met.
 */
export function checkTargets(
  model: ModelId,
  figures: QualityFigures,
  reference: Partial<Record<ModelId, QualityFigures>> = {},
): TargetCheck[] {
  return QUALITY_TARGETS[model].map((target) => {
    const value = figures[target.metric] ?? null;
    const base = target.relativeTo ? (reference[target.relativeTo]?.[target.metric] ?? null) : 1;
    const limit = base === null ? null : target.value * base;
    const met =
      value !== null &&
      limit !== null &&
      Number.isFinite(value) &&
      (target.bound === 'max' ? value <= limit : value >= limit);
    const sign = target.bound === 'max' ? '≤' : '≥';
    const shown = (n: number | null) => (n === null ? '?' : formatFigure(target.metric, n));
    const relative = target.relativeTo ? ` (${target.value} × ${target.relativeTo}'s)` : '';
    const stretchMet =
      target.stretch === undefined
        ? undefined
        : value !== null &&
          Number.isFinite(value) &&
          (target.bound === 'max' ? value <= target.stretch : value >= target.stretch);
    const stretch =
      target.stretch === undefined
        ? ''
        : ` (stretch ${sign} ${shown(target.stretch)}: ${stretchMet ? 'met' : 'not yet'})`;
    return {
      model,
      metric: target.metric,
      description: `${LABELS[target.metric]} ${shown(value)} ${sign} ${shown(limit)}${relative}${stretch}`,
      value,
      limit,
      met,
      ...(stretchMet !== undefined && { stretchMet }),
    };
  });
}

/**
 * Figures a model reports beside its targets, in the other convention where there are two: the
 * denoiser's PSNR of the set's MSE, the VAE's loss with z at the mean.
 */
export function otherFigures(model: ModelId, figures: QualityFigures): string[] {
  const lines: string[] = [];
  if (model === 'denoise' && figures.psnrDenoisedOfMse !== undefined)
    lines.push(`PSNR denoised (dB, of the set's MSE) ${figures.psnrDenoisedOfMse.toFixed(1)}`);
  if (model === 'denoise' && figures.psnrNoisy !== undefined)
    lines.push(`PSNR noisy input (dB, mean per image) ${figures.psnrNoisy.toFixed(1)}`);
  if (model === 'vae' && figures.vaeTotalAtMean !== undefined)
    lines.push(`loss per sample (z = z_mean) ${figures.vaeTotalAtMean.toFixed(1)}`);
  return lines;
}

export function formatFigure(metric: QualityMetric, value: number): string {
  if (metric === 'bce') return value.toFixed(4);
  if (metric === 'vaeTotal' || metric === 'psnrDenoised') return value.toFixed(1);
  return value.toFixed(2);
}
