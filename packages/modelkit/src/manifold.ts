/** The VAE's digit manifold: the grid of latent points its decoder is run over, as in the post's figure. */
import type { Batch } from './inference.ts';

/**
 * The latent points of an n×n manifold, [n², 2], row by row: Gaussian quantiles from 5 % to 95 %,
 * x = z₁ left to right and z₂ from top (high) to bottom (low), as the post's figure.
 */
export function manifoldPoints(n: number): Batch {
  const grid = Array.from({ length: n }, (_, i) =>
    normalQuantile(n === 1 ? 0.5 : 0.05 + (0.9 * i) / (n - 1)),
  );
  const data = new Float32Array(n * n * 2);
  grid.forEach((y, row) => {
    grid.forEach((x, col) => {
      data.set([x, -y], (row * n + col) * 2);
    });
  });
  return { data, dims: [n * n, 2] };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}
