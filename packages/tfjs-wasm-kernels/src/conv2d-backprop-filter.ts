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
import { heapPtr, simdKernels, splitBatch } from './simd.ts';

/**
 * How the filter gradient dW[i,j,ci,co] = Σ_{n,ho,wo} x[n, ho·s+i-pt, wo·s+j-pl, ci] · dy[n,ho,wo,co]
 * is computed. It is a long reduction (N·Ho·Wo terms) into a tiny result, so whichever operand XNNPACK
 * treats as weights holds N·Ho·Wo rows and must be repacked on every call (single-threaded, several
 * ns per element, often more than the arithmetic). The strategies differ in what gets packed:
 * - 'conv': one forward Conv2D of x transposed to [Ci,H,W,N] with dy transposed to [Ho,Wo,N,Co] as the
 *   filter (dilated by the stride); packs dy. Good when both channel counts are ≥ 8.
 * - 'gemm-x': im2col of x into [kh·kw·Ci, N·Ho·Wo] (built in JS) times dy as [N·Ho·Wo, Co] through
 *   BatchMatMul; packs dy through the cheaper fully-connected path. For small Ci (first layer).
 * - 'gemm-dy': dy shifted into [kh·kw·Co, N·H·W] times x as [N·H·W, Ci]; packs x. For small Co (last
 *   layer).
 * - 'simd': this package's own wasm SIMD kernel (assembly/kernels.ts) reading the taps of x and dy in
 *   place, nothing packed or copied. Needs a channel count that is a multiple of 4 on one side.
 * - 'reference': direct loops over the data; handles NCHW and non-float32 input.
 */
export type FilterGradStrategy = 'simd' | 'conv' | 'gemm-x' | 'gemm-dy' | 'reference';

export function filterGradInfo(
  x: TensorInfo,
  dy: TensorInfo,
  attrs: tf.Conv2DBackpropFilterAttrs,
): Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  return withOutputOf(info, dy);
}

/** Rows of padding the 'conv' strategy needs after the input so that its output is exactly kh × kw. */
function convTailPadding(info: Conv2DInfo): [number, number] {
  return [
    info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.inHeight - info.padInfo.top,
    info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.inWidth - info.padInfo.left,
  ];
}

export function chooseFilterGradStrategy(
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
  simd = false,
): FilterGradStrategy {
  if (info.dataFormat !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return 'reference';
  }
  const ci = info.inChannels;
  const co = info.outChannels;
  if (simd && (ci % 4 === 0 || co % 4 === 0)) return 'simd';
  const [padBottom, padRight] = convTailPadding(info);
  const convOk = padBottom >= 0 && padRight >= 0 && info.padInfo.top >= 0 && info.padInfo.left >= 0;
  // Measured at batch 128, 3×3, fresh tensors per call: with one channel on a side the GEMMs take
  // 8 ms against 12 for 'conv' (28×28, 1↔16) and 19–21 against 36–57 (1↔32); with 8 or more on both
  // sides 'conv' is as fast or faster (14×14 16→8: 3.5 ms against 7–13).
  if (convOk && Math.min(ci, co) > 4) return 'conv';
  return ci <= co ? 'gemm-x' : 'gemm-dy';
}

function viaConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const [padBottom, padRight] = convTailPadding(info);
  const xt = runWasm(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyt = runWasm(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  // Batch = Ci and channels = N turn the reduction over the batch into the convolution's inner
  // product; the stride of the forward pass becomes the dilation of the dy "filter".
  const g = runWasm(
    backend,
    'Conv2D',
    { x: xt, filter: dyt },
    {
      strides: [1, 1],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [info.padInfo.top, padBottom],
        [info.padInfo.left, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  release(backend, xt, dyt);
  const out = runWasm(backend, 'Transpose', { x: g }, { perm: [1, 2, 0, 3] });
  release(backend, g);
  return out;
}

/**
 * Fills dst[(i,j,c), (n,r,q)] = src[n, rowSrc[i][r], colSrc[j][q], c], or 0 where the source index is
 * -1. rowSrc and colSrc hold kh×dstH and kw×dstW source rows/columns.
 */
function gatherShifted(
  dst: Float32Array,
  src: Float32Array,
  n: number,
  srcH: number,
  srcW: number,
  c: number,
  kh: number,
  kw: number,
  dstH: number,
  dstW: number,
  rowSrc: Int32Array,
  colSrc: Int32Array,
): void {
  const img = srcH * srcW * c;
  const rowOff = new Int32Array(rowSrc.length);
  for (let k = 0; k < rowSrc.length; k++) {
    const r = rowSrc[k] as number;
    rowOff[k] = r < 0 ? -1 : r * srcW * c;
  }
  const colOff = new Int32Array(colSrc.length);
  for (let k = 0; k < colSrc.length; k++) {
    const q = colSrc[k] as number;
    colOff[k] = q < 0 ? -1 : q * c;
  }
  let o = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const cBase = j * dstW;
      for (let ch = 0; ch < c; ch++) {
        for (let b = 0; b < n; b++) {
          const base = b * img + ch;
          for (let r = 0; r < dstH; r++) {
            const ro = rowOff[i * dstH + r] as number;
            if (ro < 0) {
              dst.fill(0, o, o + dstW);
              o += dstW;
              continue;
            }
            const rb = base + ro;
            for (let q = 0; q < dstW; q++) {
              const co = colOff[cBase + q] as number;
              dst[o++] = co < 0 ? 0 : (src[rb + co] as number);
            }
          }
        }
      }
    }
  }
}

/** Source index o·stride + k - pad, or -1 outside [0, srcLen). Indexed [k][o]. */
function forwardTaps(k: number, outLen: number, srcLen: number, stride: number, pad: number): Int32Array {
  const idx = new Int32Array(k * outLen);
  for (let t = 0; t < k; t++) {
    for (let o = 0; o < outLen; o++) {
      const s = o * stride + t - pad;
      idx[t * outLen + o] = s >= 0 && s < srcLen ? s : -1;
    }
  }
  return idx;
}

/** Output index o with o·stride + k - pad = p, or -1 where none exists. Indexed [k][p]. */
function backwardTaps(k: number, inLen: number, outLen: number, stride: number, pad: number): Int32Array {
  const idx = new Int32Array(k * inLen);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < inLen; p++) {
      const num = p - t + pad;
      const o = num / stride;
      idx[t * inLen + p] = num >= 0 && Number.isInteger(o) && o < outLen ? o : -1;
    }
  }
  return idx;
}

/**
 * a · b through XNNPACK's fully-connected path, the only fast one in the wasm BatchMatMul (any
 * transposed operand takes a scalar loop ~10× slower). That path caches the operator, with b packed
 * as its weights, under b's tensor id without regard to b's shape, so b goes in as a fresh copy: a
 * tensor used as weights elsewhere under another shape would otherwise hit a stale operator, and the
 * packed copy is freed at once instead of living as long as b.
 */
function matMulFreshB(backend: BackendWasm, a: TensorInfo, b: TensorInfo, bShape: number[]): TensorInfo {
  const copy = backend.makeOutput(b.shape, 'float32');
  heapF32(backend, copy).set(heapF32(backend, b));
  const g = runWasm(
    backend,
    'BatchMatMul',
    { a, b: { dataId: copy.dataId, shape: bShape, dtype: 'float32' } },
    { transposeA: false, transposeB: false },
  );
  release(backend, copy);
  return g;
}

function viaGemmX(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co } = info;
  const rows = kh * kw * ci;
  const p = n * ho * wo;
  const cols = backend.makeOutput([1, rows, p], 'float32');
  gatherShifted(
    heapF32(backend, cols),
    heapF32(backend, x),
    n,
    h,
    w,
    ci,
    kh,
    kw,
    ho,
    wo,
    forwardTaps(kh, ho, h, info.strideHeight, info.padInfo.top),
    forwardTaps(kw, wo, w, info.strideWidth, info.padInfo.left),
  );
  const g = matMulFreshB(backend, cols, dy, [1, p, co]);
  release(backend, cols);
  return { dataId: g.dataId, shape: [kh, kw, ci, co], dtype: 'float32' };
}

function viaGemmDy(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co } = info;
  const rows = kh * kw * co;
  const p = n * h * w;
  const shifted = backend.makeOutput([1, rows, p], 'float32');
  gatherShifted(
    heapF32(backend, shifted),
    heapF32(backend, dy),
    n,
    ho,
    wo,
    co,
    kh,
    kw,
    h,
    w,
    backwardTaps(kh, h, ho, info.strideHeight, info.padInfo.top),
    backwardTaps(kw, w, wo, info.strideWidth, info.padInfo.left),
  );
  const g = matMulFreshB(backend, shifted, x, [1, p, ci]);
  release(backend, shifted);
  // g is [kh, kw, Co, Ci].
  const out = swapLastAxes(backend, { ...g, shape: [kh, kw, co, ci] }, kh * kw, co, ci);
  release(backend, g);
  return out;
}

/** Multiply-adds below which a second thread costs more (waking it) than it saves. */
export const SIMD_SPLIT_MIN = 2_000_000;

function viaSimd(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const kernels = simdKernels(backend);
  if (kernels === undefined) throw new Error("Conv2DBackpropFilter: the 'simd' strategy is unavailable here");
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  // The side with more channels is vectorised; it must hold whole vectors of 4.
  const sIsX = co % 4 === 0 && (co >= ci || ci % 4 !== 0);
  const shape = [kh, kw, sIsX ? ci : co, sIsX ? co : ci];
  const macs = n * ho * wo * kh * kw * ci * co;
  // Each thread takes a share of the batch and sums into its own buffer.
  const parts = splitBatch(n, macs >= SIMD_SPLIT_MIN ? kernels.threads : 1);
  const sums = parts.map(() => backend.makeOutput(shape, 'float32'));
  for (const g of sums) heapF32(backend, g).fill(0);
  const [xPtr, dyPtr] = [heapPtr(backend, x), heapPtr(backend, dy)];
  const { top: pt, left: pl } = info.padInfo;
  kernels.run(
    'filterGrad',
    parts.map(([n0, n1], p) => {
      const outPtr = heapPtr(backend, sums[p] as TensorInfo);
      return [xPtr, dyPtr, outPtr, sIsX ? 1 : 0, n0, n1, h, w, ci, ho, wo, co, kh, kw, sh, sw, pt, pl];
    }),
  );
  const [g, ...rest] = sums as [TensorInfo, ...TensorInfo[]];
  if (rest.length > 0) {
    const total = heapF32(backend, g);
    for (const r of rest) {
      const part = heapF32(backend, r);
      for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + (part[i] as number);
    }
    release(backend, ...rest);
  }
  if (sIsX) return g;
  const out = swapLastAxes(backend, g, kh * kw, co, ci);
  release(backend, g);
  return out;
}

/** [taps, a, b] → [taps, b, a], cheap at filter size. */
function swapLastAxes(backend: BackendWasm, g: TensorInfo, taps: number, a: number, b: number): TensorInfo {
  const out = backend.makeOutput([...g.shape.slice(0, -2), b, a], 'float32');
  const gv = heapF32(backend, g);
  const ov = heapF32(backend, out);
  for (let t = 0; t < taps; t++) {
    const base = t * a * b;
    for (let i = 0; i < a; i++) {
      for (let k = 0; k < b; k++) ov[base + k * a + i] = gv[base + i * b + k] as number;
    }
  }
  return out;
}

/** Direct loops; correct for every layout and dtype the attributes allow, and slow. */
function viaReference(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const last = info.dataFormat === 'channelsLast';
  // Element strides of (n, row, col, channel) in x and dy for either layout.
  const xs = last ? [h * w * ci, w * ci, ci, 1] : [ci * h * w, w, 1, h * w];
  const ds = last ? [ho * wo * co, wo * co, co, 1] : [co * ho * wo, wo, 1, ho * wo];
  const [xn, xr, xc, xk] = xs as [number, number, number, number];
  const [dn, dr, dc, dk] = ds as [number, number, number, number];
  const xv = heapValues(backend, x);
  const dv = heapValues(backend, dy);
  const acc = new Float64Array(kh * kw * ci * co);
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
              const xval = xv[xBase + k * xk] as number;
              const aBase = ((i * kw + j) * ci + k) * co;
              for (let c = 0; c < co; c++)
                acc[aBase + c] = (acc[aBase + c] as number) + xval * (dv[dBase + c * dk] as number);
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([kh, kw, ci, co], 'float32', undefined, Float32Array.from(acc));
}

export function conv2DBackpropFilterWith(
  strategy: FilterGradStrategy,
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  switch (strategy) {
    case 'simd':
      return viaSimd(backend, x, dy, info);
    case 'conv':
      return viaConv(backend, x, dy, info);
    case 'gemm-x':
      return viaGemmX(backend, x, dy, info);
    case 'gemm-dy':
      return viaGemmDy(backend, x, dy, info);
    case 'reference':
      return viaReference(backend, x, dy, info);
  }
}

export function conv2DBackpropFilter(args: KernelArgs<tf.Conv2DBackpropFilterAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = input(inputs, 'x', tf.Conv2DBackpropFilter);
  const dy = input(inputs, 'dy', tf.Conv2DBackpropFilter);
  const info = filterGradInfo(x, dy, attrs);
  const simd = simdKernels(backend) !== undefined;
  return conv2DBackpropFilterWith(chooseFilterGradStrategy(x, dy, info, simd), backend, x, dy, info);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
