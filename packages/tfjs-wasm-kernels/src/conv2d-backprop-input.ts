import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type Conv2DInfo,
  heapF32,
  heapValues,
  input,
  type KernelArgs,
  release,
  runWasm,
  type TensorInfo,
  withOutputOf,
} from './shared.ts';

/**
 * The input gradient is the full correlation of dy with the spatially flipped filter (in/out channels
 * swapped), which XNNPACK's forward Conv2D computes fast:
 * - 'conv': stride 1 — one Conv2D of dy with explicit padding (kh-1-pt before, the rest after).
 * - 'conv-dilated': any stride or padding — dy is spread out (stride-1 zeros between rows/columns) and
 *   padded in one JS pass, then a 'valid' Conv2D.
 * - 'reference': direct loops; handles NCHW and non-float32 input.
 */
export type InputGradStrategy = 'conv' | 'conv-dilated' | 'reference';

export function inputGradInfo(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: tf.Conv2DBackpropInputAttrs,
): Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  return withOutputOf(info, dy);
}

/** Padding [top, bottom, left, right] of (stride-dilated) dy for a 'valid' correlation giving H × W. */
function fullPadding(info: Conv2DInfo): [number, number, number, number] {
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const dilatedH = (info.outHeight - 1) * info.strideHeight + 1;
  const dilatedW = (info.outWidth - 1) * info.strideWidth + 1;
  return [
    top,
    info.inHeight + info.filterHeight - 1 - top - dilatedH,
    left,
    info.inWidth + info.filterWidth - 1 - left - dilatedW,
  ];
}

export function chooseInputGradStrategy(
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): InputGradStrategy {
  if (info.dataFormat !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return 'reference';
  }
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  if (stride1 && fullPadding(info).every((p) => p >= 0)) return 'conv';
  return 'conv-dilated';
}

/** W[kh,kw,Ci,Co] → W'[kh,kw,Co,Ci] with W'[i,j] = W[kh-1-i, kw-1-j]. */
function flippedFilter(backend: BackendWasm, filter: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const d = (i * kw + j) * co * ci;
      for (let a = 0; a < ci; a++) {
        for (let b = 0; b < co; b++) dst[d + b * ci + a] = src[s + a * co + b] as number;
      }
    }
  }
  return out;
}

/** For each of len padded positions, the dy index it holds ((p - before) / stride), or -1 for a zero. */
function spreadIndex(len: number, before: number, stride: number, srcLen: number): Int32Array {
  const idx = new Int32Array(len);
  for (let p = 0; p < len; p++) {
    const num = p - before;
    const o = num / stride;
    idx[p] = num >= 0 && Number.isInteger(o) && o < srcLen ? o : -1;
  }
  return idx;
}

function viaConv(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  dilated: boolean,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const [top, bottom, left, right] = fullPadding(info);
  const wf = flippedFilter(backend, filter, info);
  let src = dy;
  let pad: number[][] = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  if (dilated) {
    const hp = h + info.filterHeight - 1;
    const wp = w + info.filterWidth - 1;
    src = backend.makeOutput([n, hp, wp, co], 'float32');
    const rows = spreadIndex(hp, top, info.strideHeight, ho);
    const cols = spreadIndex(wp, left, info.strideWidth, wo);
    const dv = heapF32(backend, dy);
    const sv = heapF32(backend, src);
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < hp; r++) {
        const sr = rows[r] as number;
        for (let c = 0; c < wp; c++) {
          const sc = cols[c] as number;
          if (sr < 0 || sc < 0) {
            sv.fill(0, o, o + co);
          } else {
            const s = ((b * ho + sr) * wo + sc) * co;
            for (let k = 0; k < co; k++) sv[o + k] = dv[s + k] as number;
          }
          o += co;
        }
      }
    }
    pad = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
  }
  const dx = runWasm(
    backend,
    'Conv2D',
    { x: src, filter: wf },
    { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' },
  );
  release(backend, wf);
  if (src !== dy) release(backend, src);
  return dx;
}

/** Direct loops; correct for every layout and dtype the attributes allow, and slow. */
function viaReference(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const last = info.dataFormat === 'channelsLast';
  const xs = last ? [h * w * ci, w * ci, ci, 1] : [ci * h * w, w, 1, h * w];
  const ds = last ? [ho * wo * co, wo * co, co, 1] : [co * ho * wo, wo, 1, ho * wo];
  const [xn, xr, xc, xk] = xs as [number, number, number, number];
  const [dn, dr, dc, dk] = ds as [number, number, number, number];
  const dv = heapValues(backend, dy);
  const fv = heapValues(backend, filter);
  const acc = new Float64Array(n * h * w * ci);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < ho; r++) {
      for (let q = 0; q < wo; q++) {
        const dBase = b * dn + r * dr + q * dc;
        for (let i = 0; i < kh; i++) {
          const xrI = r * sh + i - pt;
          if (xrI < 0 || xrI >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xcI = q * sw + j - pl;
            if (xcI < 0 || xcI >= w) continue;
            const xBase = b * xn + xrI * xr + xcI * xc;
            for (let k = 0; k < ci; k++) {
              const fBase = ((i * kw + j) * ci + k) * co;
              let s = 0;
              for (let c = 0; c < co; c++) s += (dv[dBase + c * dk] as number) * (fv[fBase + c] as number);
              acc[xBase + k * xk] = (acc[xBase + k * xk] as number) + s;
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(attrsShape(info), 'float32', undefined, Float32Array.from(acc));
}

function attrsShape(info: Conv2DInfo): number[] {
  return info.dataFormat === 'channelsLast'
    ? [info.batchSize, info.inHeight, info.inWidth, info.inChannels]
    : [info.batchSize, info.inChannels, info.inHeight, info.inWidth];
}

export function conv2DBackpropInputWith(
  strategy: InputGradStrategy,
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  switch (strategy) {
    case 'conv':
      return viaConv(backend, dy, filter, info, false);
    case 'conv-dilated':
      return viaConv(backend, dy, filter, info, true);
    case 'reference':
      return viaReference(backend, dy, filter, info);
  }
}

export function conv2DBackpropInput(args: KernelArgs<tf.Conv2DBackpropInputAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = input(inputs, 'dy', tf.Conv2DBackpropInput);
  const filter = input(inputs, 'filter', tf.Conv2DBackpropInput);
  const info = inputGradInfo(dy, filter, attrs);
  return conv2DBackpropInputWith(chooseInputGradStrategy(dy, filter, info), backend, dy, filter, info);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
