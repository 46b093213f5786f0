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
  /** The denoiser: mean per-image PSNR (dB) of noisy inputs and of denoised outputs against the clean images. */
  psnrNoisy?: number;
  psnrDenoised?: number;
  /** The VAE, per sample: 784 · BCE with a sampled latent point plus the KL divergence. */
  vaeTotal?: number;
}

export type QualityMetric = 'bce' | 'meanCodeActivation' | 'psnrDenoised' | 'vaeTotal';

export interface QualityTarget {
  metric: QualityMetric;
  /** The figure must be at most (`max`) or at least (`min`) this. */
  bound: 'max' | 'min';
  value: number;
  /**
   * Set when the bound is a multiple of another model's figure (sparse's code must be at most half
   * of simple's); `value` is then the factor.
   */
  relativeTo?: ModelId;
}

export const QUALITY_TARGETS: Readonly<Record<ModelId, readonly QualityTarget[]>> = {
  simple: [{ metric: 'bce', bound: 'max', value: 0.092 }],
  sparse: [
    { metric: 'bce', bound: 'max', value: 0.1 },
    { metric: 'meanCodeActivation', bound: 'max', value: 0.5, relativeTo: 'simple' },
  ],
  deep: [{ metric: 'bce', bound: 'max', value: 0.085 }],
  conv: [{ metric: 'bce', bound: 'max', value: 0.09 }],
  denoise: [{ metric: 'psnrDenoised', bound: 'min', value: 20 }],
  seq2seq: [{ metric: 'bce', bound: 'max', value: 0.1 }],
  vae: [{ metric: 'vaeTotal', bound: 'max', value: 145 }],
};

const LABELS: Record<QualityMetric, string> = {
  bce: 'test BCE',
  meanCodeActivation: 'mean code',
  psnrDenoised: 'PSNR denoised (dB)',
  vaeTotal: 'loss per sample',
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
    return {
      model,
      metric: target.metric,
      description: `${LABELS[target.metric]} ${shown(value)} ${sign} ${shown(limit)}${relative}`,
      value,
      limit,
      met,
    };
  });
}

export function formatFigure(metric: QualityMetric, value: number): string {
  if (metric === 'bce') return value.toFixed(4);
  if (metric === 'vaeTotal' || metric === 'psnrDenoised') return value.toFixed(1);
  return value.toFixed(2);
}
