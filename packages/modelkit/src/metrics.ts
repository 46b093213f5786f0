/** How far apart two images (or batches) are: the figures the tests and the denoiser's target use. */

/**
 * The largest absolute element-wise difference: how parity between two runtimes is measured
 * (exporter, edge API, web demo). Different lengths or any NaN give Infinity, so a check fails.
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    // `NaN > max` is false, so a NaN would otherwise pass unnoticed.
    if (!(d <= max)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return max;
}

/** Peak signal-to-noise ratio in dB for images in [0, 1]; Infinity when they are identical. */
export function psnr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`psnr: images must be the same non-zero length, got ${a.length} and ${b.length}`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return psnrOfMse(sum / a.length);
}

/**
 * PSNR (dB) of a mean squared error, for images in [0, 1]. Of one image's MSE it is that image's
 * PSNR; of a whole set's MSE it is the set's, which is not the mean of its images' PSNRs.
 */
export function psnrOfMse(mse: number): number {
  return mse === 0 ? Number.POSITIVE_INFINITY : -10 * Math.log10(mse);
}
