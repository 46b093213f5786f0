/**
 * A user's picture turned into what the models were trained on: grey, white digit on black, cropped,
 * scaled into 20×20 and centred by mass in 28×28, as MNIST's digits are.
 */
import { IMAGE_SIDE, IMAGE_SIZE } from './catalog.ts';
import { clamp01 } from './clamp.ts';
import { rgbaToLuma } from './luma.ts';
import { type DecodePngOptions, decodePngGrey, type GreyImage, type RgbaImage } from './png.ts';

export interface MnistInputOptions {
  /** 'auto' inverts when the border is light, i.e. dark ink on light paper. */
  invert?: 'auto' | boolean;
  /**
   * After stretching background→0 and the brightest ink→1, values below this are taken for paper
   * texture, sensor noise or compression ringing and set to 0. 'auto' (the default) measures the noise
   * on the border: a clean canvas or an MNIST digit keeps its faint anti-aliased edges, a photo of
   * paper loses its grain.
   */
  noiseFloor?: number | 'auto';
}

/** Contrast below this between background and brightest ink means there is no digit, only noise. */
const MIN_CONTRAST = 0.1;
/** LeCun's MNIST: digits scaled to fit a 20×20 box, then centred by centre of mass in 28×28. */
const DIGIT_BOX = 20;

/**
 * Turns a user's uploaded or drawn picture (8-bit RGBA as from a canvas or decodePng, or a GreyImage)
 * into a 784-value MNIST-style input: white digit on black, the ink's bounding box scaled (aspect kept,
 * anti-aliased) to 20 px on its longer side, placed so its centre of mass is at the frame's centre.
 * An image without ink gives all zeros. The picture is left as it was: the work is done on one grey
 * copy (4 bytes a pixel).
 */
export function toMnistInput(image: RgbaImage | GreyImage, options: MnistInputOptions = {}): Float32Array {
  const { width, height } = image;
  if (width <= 0 || height <= 0) return new Float32Array(IMAGE_SIZE);
  return mnistFromGrey(toGrey(image).data, width, height, options);
}

export interface PngToMnistInputOptions extends DecodePngOptions, MnistInputOptions {}

/**
 * `toMnistInput(decodePng(bytes, options), options)`, bit for bit, for an API taking uploads: the PNG
 * is decoded straight to grey in place and the grey picture is worked on where it lies, so a W×H
 * upload costs about 4·W·H bytes (plus the decoder's fixed ~130 KiB) instead of the RGBA, its grey
 * copy and fast-png's buffers. Throws ImageDecodeError as decodePng does.
 */
export function pngToMnistInput(
  bytes: Uint8Array | ArrayBuffer,
  options: PngToMnistInputOptions = {},
): Float32Array {
  const { width, height, data } = decodePngGrey(bytes, options);
  return mnistFromGrey(data, width, height, options);
}

/** The MNIST pipeline on a grey picture in 0..1 that it owns and overwrites. */
function mnistFromGrey(
  grey: Float32Array,
  width: number,
  height: number,
  options: MnistInputOptions,
): Float32Array {
  const out = new Float32Array(IMAGE_SIZE);

  // The border stands for the background: its median is robust to a stroke that touches an edge.
  // Its 90th percentile measures noise, after inversion if any, when the inverted border's 90th
  // percentile is the inverse of the original's 10th.
  const n = borderLength(width, height);
  const k90 = Math.floor((n - 1) * 0.9);
  const [median = 0, low = 0, high = 0] = borderRanks(grey, width, height, [n >> 1, n - 1 - k90, k90]);
  let background = median;
  const invert = options.invert ?? 'auto';
  const inverted = invert === true || (invert === 'auto' && background > 0.5);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Inverting is folded into the one pass below rather than written out first. Values are what a
  // float32 image inverted in place would hold (hence the fround), and as 1 - x never increases, the
  // brightest inverted value is the darkest one's inverse.
  const peak = Math.max(0, inverted ? Math.fround(1 - lo) : hi);
  if (inverted) background = 1 - background;
  if (!(peak - background >= MIN_CONTRAST)) return out;

  const stretch = 1 / (peak - background);
  const requested = options.noiseFloor ?? 'auto';
  const floor =
    requested === 'auto'
      ? autoNoiseFloor(inverted ? Math.fround(1 - low) : high, background, stretch)
      : requested;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const g = grey[i] as number;
      let v = ((inverted ? Math.fround(1 - g) : g) - background) * stretch;
      v = v < floor ? 0 : Math.min(v, 1);
      grey[i] = v;
      if (v > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;

  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = DIGIT_BOX / Math.max(bw, bh);
  const dw = Math.max(1, Math.min(DIGIT_BOX, Math.round(bw * scale)));
  const dh = Math.max(1, Math.min(DIGIT_BOX, Math.round(bh * scale)));
  const digit = resample(grey, width, x0, y0, bw, bh, dw, dh);

  // Averaging thins strokes drawn with a fine pen on a big canvas; MNIST's ink saturates, so restore that.
  let max = 0;
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0, i = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++, i++) {
      const v = digit[i] as number;
      if (v > max) max = v;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  if (!(mass > 0)) return out;
  const gain = 1 / max;
  // The centre of mass goes to pixel (14, 14) by index, not to the frame's geometric centre (13.5):
  // that is where MNIST's digits have it, and half a pixel off would shift every other digit by one.
  // The digit is kept whole even where centring its mass would push part of it out of the frame.
  const ox = clampInt(Math.round(IMAGE_SIDE / 2 - mx / mass), 0, IMAGE_SIDE - dw);
  const oy = clampInt(Math.round(IMAGE_SIDE / 2 - my / mass), 0, IMAGE_SIDE - dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      out[(oy + y) * IMAGE_SIDE + ox + x] = Math.min(1, (digit[y * dw + x] as number) * gain);
    }
  }
  return out;
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/**
 * Luma (ITU-R BT.601, as PIL's "L" mode) in 0..1. Transparent pixels are composited over black or white,
 * whichever contrasts with the opaque content: a canvas holding black strokes on a transparent
 * background is then black on white, and white strokes on transparent are white on black.
 */
export function toGrey(image: RgbaImage | GreyImage): GreyImage {
  const { width, height, data } = image;
  const n = width * height;
  if (data instanceof Float32Array) {
    if (data.length !== n)
      throw new RangeError(`toGrey: ${width}×${height} needs ${n} values, got ${data.length}`);
    const grey = new Float32Array(n);
    for (let i = 0; i < n; i++) grey[i] = clamp01(data[i] as number);
    return { width, height, data: grey };
  }
  if (data.length !== n * 4) {
    throw new RangeError(`toGrey: ${width}×${height} RGBA needs ${n * 4} bytes, got ${data.length}`);
  }
  const luma = new Float32Array(n);
  rgbaToLuma(data, luma, n);
  return { width, height, data: luma };
}

/** How many pixels the border has: each counted once, as a 1-pixel-thin image is all border. */
function borderLength(width: number, height: number): number {
  return width * (height > 1 ? 2 : 1) + Math.max(0, height - 2) * (width > 1 ? 2 : 1);
}

/** Calls `visit` with the index of every border pixel, once each. */
function forEachBorderPixel(width: number, height: number, visit: (index: number) => void): void {
  for (let x = 0; x < width; x++) {
    visit(x);
    if (height > 1) visit((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    if (width > 1) visit(y * width + width - 1);
  }
}

/** Borders up to this many pixels are sorted in a copy (256 KiB at most). */
const SORTED_BORDER_LIMIT = 1 << 16;

/**
 * The border values at the given ranks (0 for the smallest), exactly as sorting the border would
 * place them. A small border is sorted in a copy; a long one (an image 1 pixel high and 4 million
 * wide is all border) is not copied but counted: values in 0..1 order as their float32 bit patterns
 * do, so counting the patterns' high 16 bits, then the low 16 bits of those in the right bin, finds
 * each rank in 256 KiB of counters.
 */
function borderRanks(grey: Float32Array, width: number, height: number, ranks: readonly number[]): number[] {
  if (borderLength(width, height) <= SORTED_BORDER_LIMIT) {
    const values = new Float32Array(borderLength(width, height));
    let k = 0;
    forEachBorderPixel(width, height, (i) => {
      values[k++] = grey[i] as number;
    });
    // A typed array sorts numerically; values are never NaN here (toGrey sends NaN to 0).
    values.sort();
    return ranks.map((r) => values[r] as number);
  }
  const patterns = new Uint32Array(grey.buffer, grey.byteOffset, grey.length);
  const high = new Uint32Array(1 << 16);
  forEachBorderPixel(width, height, (i) => {
    const bin = (patterns[i] as number) >>> 16;
    high[bin] = (high[bin] as number) + 1;
  });
  const low = new Uint32Array(1 << 16);
  const value = new Float32Array(1);
  const valueBits = new Uint32Array(value.buffer);
  return ranks.map((rank) => {
    let top = 0;
    let below = 0;
    while (below + (high[top] as number) <= rank) below += high[top++] as number;
    low.fill(0);
    forEachBorderPixel(width, height, (i) => {
      const p = patterns[i] as number;
      if (p >>> 16 === top) low[p & 0xffff] = (low[p & 0xffff] as number) + 1;
    });
    let bottom = 0;
    while (below + (low[bottom] as number) <= rank) below += low[bottom++] as number;
    valueBits[0] = ((top << 16) | bottom) >>> 0;
    return value[0] as number;
  });
}

/** Smallest floor that still clears 8-bit quantisation when the border is clean. */
const MIN_NOISE_FLOOR = 2 / 255;
/** Ceiling, so that a digit covering much of the border cannot pass itself off as noise and vanish. */
const MAX_NOISE_FLOOR = 0.5;

/**
 * Three times the border's 90th percentile above background: about 4σ for Gaussian noise, well clear
 * of grain, while a stroke or two that reach the edge stay above the 90th percentile and do not count.
 */
function autoNoiseFloor(borderP90: number, background: number, stretch: number): number {
  const p90 = (borderP90 - background) * stretch;
  return Math.min(MAX_NOISE_FLOOR, Math.max(MIN_NOISE_FLOOR, 3 * p90));
}

/**
 * Resamples the (sx, sy, sw, sh) region of a grey image to dw×dh, separably: area averaging when
 * shrinking (every source pixel counts, so thin strokes are not dropped), bilinear when enlarging
 * (area averaging would only repeat pixels and leave the staircase MNIST never has).
 */
function resample(
  src: Float32Array,
  srcWidth: number,
  sx: number,
  sy: number,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  const wx = weights(sw, dw);
  const wy = weights(sh, dh);
  const rows = new Float32Array(sh * dw);
  for (let y = 0; y < sh; y++) {
    const base = (sy + y) * srcWidth + sx;
    for (let x = 0; x < dw; x++) {
      const { first, w } = wx[x] as Taps;
      let s = 0;
      for (let k = 0; k < w.length; k++) s += (w[k] as number) * (src[base + first + k] as number);
      rows[y * dw + x] = s;
    }
  }
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const { first, w } = wy[y] as Taps;
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (let k = 0; k < w.length; k++) s += (w[k] as number) * (rows[(first + k) * dw + x] as number);
      out[y * dw + x] = s;
    }
  }
  return out;
}

interface Taps {
  first: number;
  w: number[];
}

function weights(n: number, m: number): Taps[] {
  const taps: Taps[] = [];
  const ratio = n / m;
  for (let j = 0; j < m; j++) {
    if (m <= n) {
      const a = j * ratio;
      const b = (j + 1) * ratio;
      const first = Math.floor(a);
      const w: number[] = [];
      for (let i = first; i < b && i < n; i++) w.push((Math.min(b, i + 1) - Math.max(a, i)) / ratio);
      taps.push({ first, w });
    } else {
      const c = Math.min(n - 1, Math.max(0, (j + 0.5) * ratio - 0.5));
      const first = Math.min(n - 1, Math.floor(c));
      const f = c - first;
      taps.push(first + 1 < n ? { first, w: [1 - f, f] } : { first, w: [1] });
    }
  }
  return taps;
}
