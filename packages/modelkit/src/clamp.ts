/** Internal: not exported from the package. */

/** Clamps to 0..1, sending NaN to 0 so that one bad value cannot poison a picture or a model input. */
export function clamp01(v: number): number {
  return v > 0 ? Math.min(v, 1) : 0;
}
