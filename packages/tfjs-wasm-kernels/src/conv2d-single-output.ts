import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { override } from './override.ts';
import { type Conv2DInfo, heapF32, input, release, runWasm, type TensorInfo } from './shared.ts';

/**
 * Forward convolutions with a single output channel (the models' last layer, 16 or 32 → 1, 3×3).
 * XNNPACK pads the output channels to its tile width (8), so the shipped kernel costs as much as an
 * 8-channel convolution: ~7 ms (16 → 1) and ~13 ms (32 → 1) at batch 128, 28×28. Here one product
 * Y = X·F, with x as [N·H·W, Ci] and the filter as [Ci, kh·kw], gives every pixel's contribution to
 * each tap (XNNPACK's fully-connected path, the small filter as its weights), and a JS pass adds each
 * output's kh·kw shifted taps, the bias and a relu. NCHW, dilation, other activations and non-float32
 * input go to the shipped kernels.
 */

/** Above this many taps the [N·H·W, kh·kw] intermediate outgrows the convolution it replaces. */
const MAX_TAPS = 25;

export type SingleOutputActivation = 'linear' | 'relu';

export function singleOutputInfo(
  x: TensorInfo,
  filter: TensorInfo,
  attrs: tf.Conv2DAttrs,
): Conv2DInfo | undefined {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (x.shape.length !== 4 || filter.shape.length !== 4 || filter.shape[3] !== 1) return undefined;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  if (dataFormat !== 'channelsLast') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (info.filterHeight * info.filterWidth > MAX_TAPS || info.outChannels !== 1) return undefined;
  return info;
}

export function conv2DSingleOutput(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  bias?: TensorInfo,
  activation: SingleOutputActivation = 'linear',
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const taps = kh * kw;
  // The filter [kh, kw, Ci, 1] as [Ci, taps]: a fresh tensor, so the product's packed-weights cache
  // (keyed by tensor id) can never serve a stale operator.
  const f = backend.makeOutput([1, ci, taps], 'float32');
  {
    const src = heapF32(backend, filter);
    const dst = heapF32(backend, f);
    for (let t = 0; t < taps; t++) for (let c = 0; c < ci; c++) dst[c * taps + t] = src[t * ci + c] as number;
  }
  const y = runWasm(
    backend,
    'BatchMatMul',
    { a: { dataId: x.dataId, shape: [1, n * h * w, ci], dtype: 'float32' }, b: f },
    { transposeA: false, transposeB: false },
  );
  release(backend, f);
  const out = backend.makeOutput([n, ho, wo, 1], 'float32');
  const yv = heapF32(backend, y);
  const ov = heapF32(backend, out);
  const b0 = bias === undefined ? 0 : (heapF32(backend, bias)[0] as number);
  if (kh === 3 && kw === 3 && sh === 1 && sw === 1 && pl === 1 && wo === w && w >= 2) {
    shiftSum3x3(yv, ov, n, h, w, ho, pt, b0);
  } else {
    shiftSum(yv, ov, info, b0);
  }
  release(backend, y);
  if (activation === 'relu') for (let k = 0; k < ov.length; k++) if ((ov[k] as number) < 0) ov[k] = 0;
  return out;
}

export const conv2DSingleOutputOverride = override<tf.Conv2DAttrs>(
  tf.Conv2D,
  ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x', tf.Conv2D);
    const filter = input(inputs, 'filter', tf.Conv2D);
    const info = singleOutputInfo(x, filter, attrs);
    return info && conv2DSingleOutput(backend, x, filter, info);
  },
);

export const fusedConv2DSingleOutputOverride = override<tf.FusedConv2DAttrs>(
  tf.FusedConv2D,
  ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x', tf.FusedConv2D);
    const filter = input(inputs, 'filter', tf.FusedConv2D);
    const { bias, preluActivationWeights } = inputs;
    const activation = attrs.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') return undefined;
    if (preluActivationWeights != null) return undefined;
    if (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== 1))
      return undefined;
    const info = singleOutputInfo(x, filter, attrs);
    return info && conv2DSingleOutput(backend, x, filter, info, bias ?? undefined, activation);
  },
);

/** out[b,r,q] = bias + Σ_ij Y[b, r·sh + i - pt, q·sw + j - pl, i·kw + j] over the taps inside the image. */
function shiftSum(yv: Float32Array, ov: Float32Array, info: Conv2DInfo, b0: number): void {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const taps = kh * kw;
  ov.fill(b0);
  // Valid output columns [q0, q1) for each column tap j: 0 <= q·sw + j - pl < w.
  const q0 = new Int32Array(kw);
  const q1 = new Int32Array(kw);
  for (let j = 0; j < kw; j++) {
    q0[j] = Math.max(0, Math.ceil((pl - j) / sw));
    q1[j] = Math.max(q0[j] as number, Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1));
  }
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < ho; r++) {
      const oRow = (b * ho + r) * wo;
      for (let i = 0; i < kh; i++) {
        const src = r * sh + i - pt;
        if (src < 0 || src >= h) continue;
        const yRow = (b * h + src) * w;
        for (let j = 0; j < kw; j++) {
          const t = i * kw + j;
          const qa = q0[j] as number;
          const qb = q1[j] as number;
          let p = (yRow + qa * sw + j - pl) * taps + t;
          const step = sw * taps;
          for (let q = qa; q < qb; q++, p += step)
            ov[oRow + q] = (ov[oRow + q] as number) + (yv[p] as number);
        }
      }
    }
  }
}

/**
 * The 3×3, stride-1, same-width case (the models' last layer), one pass per output: each output sums
 * the three taps of each valid source row, with the first and last columns (one tap missing) apart.
 */
function shiftSum3x3(
  yv: Float32Array,
  ov: Float32Array,
  n: number,
  h: number,
  w: number,
  ho: number,
  pt: number,
  b0: number,
): void {
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < ho; r++) {
      const oRow = (b * ho + r) * w;
      // Y offsets of the three source rows' tap groups (i·3), or -1 outside the image.
      const rows = [-1, -1, -1];
      for (let i = 0; i < 3; i++) {
        const src = r + i - pt;
        if (src >= 0 && src < h) rows[i] = (b * h + src) * w * 9 + i * 3;
      }
      const [r0, r1, r2] = rows as [number, number, number];
      // q = 0: taps j = 1, 2 (columns 0 and 1).
      let s0 = b0;
      for (const base of rows) if (base >= 0) s0 += (yv[base + 1] as number) + (yv[base + 9 + 2] as number);
      ov[oRow] = s0;
      if (r0 >= 0 && r1 >= 0 && r2 >= 0) {
        for (let q = 1; q < w - 1; q++) {
          const o = (q - 1) * 9;
          ov[oRow + q] =
            b0 +
            (yv[r0 + o] as number) +
            (yv[r0 + o + 10] as number) +
            (yv[r0 + o + 20] as number) +
            (yv[r1 + o] as number) +
            (yv[r1 + o + 10] as number) +
            (yv[r1 + o + 20] as number) +
            (yv[r2 + o] as number) +
            (yv[r2 + o + 10] as number) +
            (yv[r2 + o + 20] as number);
        }
      } else {
        for (let q = 1; q < w - 1; q++) {
          const o = (q - 1) * 9;
          let s = b0;
          for (const base of rows)
            if (base >= 0)
              s += (yv[base + o] as number) + (yv[base + o + 10] as number) + (yv[base + o + 20] as number);
          ov[oRow + q] = s;
        }
      }
      // q = w - 1: taps j = 0, 1 (columns w - 2 and w - 1).
      let s1 = b0;
      const o = (w - 2) * 9;
      for (const base of rows) if (base >= 0) s1 += (yv[base + o] as number) + (yv[base + o + 10] as number);
      ov[oRow + w - 1] = s1;
    }
  }
}
