/**
 * The one place that turns 8-bit RGBA into luma, shared by `toGrey` and `decodePngGrey` so that an
 * upload decoded straight to grey gives bit for bit what `toGrey(decodePng(bytes))` gives. Internal:
 * not exported from the package.
 */

/**
 * Writes the luma (ITU-R BT.601) of `n` RGBA pixels to `out`, compositing translucent pixels over
 * black or white, whichever contrasts with the opaque content (see `toGrey`).
 *
 * `out` may share `rgba`'s memory (a Float32Array over the same ArrayBuffer at the same offset): each
 * pixel's four bytes are read before its float is written over them, so an image can be converted in
 * place and never exist twice. Every expression, and the order of the sums, is the one `toGrey` has
 * always used; floating-point addition is not associative, so changing either could flip the choice
 * of background for a picture whose mean ink is within rounding of 0.5.
 *
 * `mayBeTranslucent: false` promises that every alpha is 255 (a PNG with neither an alpha channel nor
 * tRNS), which skips the pass that measures the alpha statistics.
 */
export function rgbaToLuma(
  rgba: Uint8Array | Uint8ClampedArray,
  out: Float32Array,
  n: number,
  mayBeTranslucent = true,
): void {
  const inPlace = rgba.buffer === out.buffer;
  if (inPlace && rgba.byteOffset !== out.byteOffset) {
    throw new RangeError('rgbaToLuma: in place, the RGBA bytes and the floats must start together');
  }
  let opaque = true;
  let alphaSum = 0;
  let inkSum = 0;
  if (mayBeTranslucent) {
    // Converting in place would destroy the alpha the compositing pass needs, so only measure here;
    // a separate output can take the luma at the same time, as toGrey always did.
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const l =
        (0.299 * (rgba[o] as number) + 0.587 * (rgba[o + 1] as number) + 0.114 * (rgba[o + 2] as number)) /
        255;
      const a = (rgba[o + 3] as number) / 255;
      if (!inPlace) out[i] = l;
      if (a < 1) opaque = false;
      alphaSum += a;
      inkSum += a * l;
    }
    if (!inPlace && opaque) return;
  }
  if (opaque) {
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      out[i] =
        (0.299 * (rgba[o] as number) + 0.587 * (rgba[o + 1] as number) + 0.114 * (rgba[o + 2] as number)) /
        255;
    }
    return;
  }
  const under = alphaSum > 0 && inkSum / alphaSum < 0.5 ? 1 : 0;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const a = (rgba[o + 3] as number) / 255;
    // toGrey stored the luma as float32 first and composited that, hence the fround.
    const l = inPlace
      ? Math.fround(
          (0.299 * (rgba[o] as number) + 0.587 * (rgba[o + 1] as number) + 0.114 * (rgba[o + 2] as number)) /
            255,
        )
      : (out[i] as number);
    out[i] = a * l + (1 - a) * under;
  }
}
