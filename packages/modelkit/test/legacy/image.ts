/**
 * toMnistInput and toGrey as they were before decoding went straight to grey, frozen as the reference
 * the new pipeline must match bit for bit.
 */
import { IMAGE_SIDE, IMAGE_SIZE } from '../../src/catalog.ts';
import type { GreyImage, RgbaImage } from '../../src/png.ts';

/** Clamps to 0..1, sending NaN to 0. */
function clamp01(v: number): number {
  return v > 0 ? Math.min(v, 1) : 0;
}

interface MnistInputOptions {
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
 * An image without ink gives all zeros.
 */
export function legacyToMnistInput(
  image: RgbaImage | GreyImage,
  options: MnistInputOptions = {},
): Float32Array {
  const { width, height } = image;
  const out = new Float32Array(IMAGE_SIZE);
  if (width <= 0 || height <= 0) return out;
  const grey = legacyToGrey(image).data;

  // The border stands for the background: its median is robust to a stroke that touches an edge.
  let background = borderMedian(grey, width, height);
  const invert = options.invert ?? 'auto';
  if (invert === true || (invert === 'auto' && background > 0.5)) {
    for (let i = 0; i < grey.length; i++) grey[i] = 1 - (grey[i] as number);
    background = 1 - background;
  }
  let peak = 0;
  for (const v of grey) if (v > peak) peak = v;
  if (!(peak - background >= MIN_CONTRAST)) return out;

  const stretch = 1 / (peak - background);
  const requested = options.noiseFloor ?? 'auto';
  const floor = requested === 'auto' ? autoNoiseFloor(grey, width, height, background, stretch) : requested;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      let v = ((grey[i] as number) - background) * stretch;
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
export function legacyToGrey(image: RgbaImage | GreyImage): GreyImage {
  const { width, height, data } = image;
  const n = width * height;
  if (data instanceof Float32Array) {
    if (data.length !== n)
      throw new RangeError(`toGrey: ${width}×${height} needs ${n} values, got ${data.length}`);
    return { width, height, data: Float32Array.from(data, clamp01) };
  }
  if (data.length !== n * 4) {
    throw new RangeError(`toGrey: ${width}×${height} RGBA needs ${n * 4} bytes, got ${data.length}`);
  }
  const luma = new Float32Array(n);
  let opaque = true;
  let alphaSum = 0;
  let inkSum = 0;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const l =
      (0.299 * (data[o] as number) + 0.587 * (data[o + 1] as number) + 0.114 * (data[o + 2] as number)) / 255;
    const a = (data[o + 3] as number) / 255;
    luma[i] = l;
    if (a < 1) opaque = false;
    alphaSum += a;
    inkSum += a * l;
  }
  if (!opaque) {
    const under = alphaSum > 0 && inkSum / alphaSum < 0.5 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const a = (data[i * 4 + 3] as number) / 255;
      luma[i] = a * (luma[i] as number) + (1 - a) * under;
    }
  }
  return { width, height, data: luma };
}

function sortedBorder(grey: Float32Array, width: number, height: number): number[] {
  const values: number[] = [];
  for (let x = 0; x < width; x++) {
    values.push(grey[x] as number);
    if (height > 1) values.push(grey[(height - 1) * width + x] as number);
  }
  for (let y = 1; y < height - 1; y++) {
    values.push(grey[y * width] as number);
    if (width > 1) values.push(grey[y * width + width - 1] as number);
  }
  return values.sort((a, b) => a - b);
}

function borderMedian(grey: Float32Array, width: number, height: number): number {
  const values = sortedBorder(grey, width, height);
  return values[values.length >> 1] ?? 0;
}

/** Smallest floor that still clears 8-bit quantisation when the border is clean. */
const MIN_NOISE_FLOOR = 2 / 255;
/** Ceiling, so that a digit covering much of the border cannot pass itself off as noise and vanish. */
const MAX_NOISE_FLOOR = 0.5;

/**
 * Three times the border's 90th percentile above background: about 4σ for Gaussian noise, well clear
 * of grain, while a stroke or two that reach the edge stay above the 90th percentile and do not count.
 */
function autoNoiseFloor(
  grey: Float32Array,
  width: number,
  height: number,
  background: number,
  stretch: number,
): number {
  const values = sortedBorder(grey, width, height);
  const p90 = ((values[Math.floor((values.length - 1) * 0.9)] ?? background) - background) * stretch;
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
