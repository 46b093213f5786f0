import * as tf from '@tensorflow/tfjs';
import { heapF32, heapValues, input, type KernelArgs, type TensorInfo } from './shared.ts';
import { heapPtr, simdKernels } from './simd.ts';

/**
 * dx = dy routed to the position of each window's maximum. The 2×2 stride-2 pools of the models (with
 * whole vectors of 4 channels) go to the SIMD kernel of assembly/kernels.ts, split over the threads
 * for large inputs; any other window, stride, padding or dtype to a single JS pass over the wasm heap,
 * still several times faster than the shipped kernel.
 *
 * Ties and NaN follow the cpu backend: the first element (row-major within the window) strictly
 * greater than everything before it wins; a window of only -Infinity/NaN passes no gradient.
 */
export function maxPoolGrad(args: KernelArgs<tf.MaxPoolGradAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = input(inputs, 'dy', tf.MaxPoolGrad);
  const x = input(inputs, 'input', tf.MaxPoolGrad);
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  // tfjs-core's MaxPool gradient drops dimRoundingMode, so the attributes can describe one row or
  // column fewer than the forward op produced; dy's shape is the truth.
  const ho = dy.shape[1] ?? info.outHeight;
  const wo = dy.shape[2] ?? info.outWidth;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;

  const dx = backend.makeOutput(x.shape, 'float32');
  // Every window must hold at least one real row and column for the unrolled loops' clamping.
  const inside = pt <= 1 && pl <= 1 && (ho - 1) * 2 - pt < h && (wo - 1) * 2 - pl < w;
  const pool2x2 = fh === 2 && fw === 2 && sh === 2 && sw === 2 && inside;
  const simd = simdKernels(backend);
  if (pool2x2 && simd !== undefined && c % 4 === 0 && x.dtype === 'float32' && dy.dtype === 'float32') {
    const ptrs = [heapPtr(backend, x), heapPtr(backend, dy), heapPtr(backend, dx)];
    simd.runOverBatch('maxPool2x2Grad', n, n * h * w * c, (n0, n1) => [
      ...ptrs,
      n0,
      n1,
      h,
      w,
      c,
      ho,
      wo,
      pt,
      pl,
    ]);
    return dx;
  }
  const xv = x.dtype === 'float32' ? heapF32(backend, x) : heapValues(backend, x);
  const dv = dy.dtype === 'float32' ? heapF32(backend, dy) : heapValues(backend, dy);
  const out = heapF32(backend, dx);
  out.fill(0);

  if (pool2x2) {
    pool2x2Grad(xv, dv, out, n, h, w, c, ho, wo, pt, pl);
    return dx;
  }
  const rowStride = w * c;
  let d = 0;
  for (let b = 0; b < n; b++) {
    const img = b * h * rowStride;
    for (let r = 0; r < ho; r++) {
      const r0 = Math.max(0, r * sh - pt);
      const r1 = Math.min(h, r * sh - pt + fh);
      for (let q = 0; q < wo; q++) {
        const c0 = Math.max(0, q * sw - pl);
        const c1 = Math.min(w, q * sw - pl + fw);
        const corner = img + r0 * rowStride + c0 * c;
        for (let k = 0; k < c; k++, d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let rr = r0; rr < r1; rr++) {
            let p = corner + (rr - r0) * rowStride + k;
            for (let cc = c0; cc < c1; cc++, p += c) {
              const v = xv[p] as number;
              if (v > best) {
                best = v;
                at = p;
              }
            }
          }
          if (at >= 0) out[at] = (out[at] as number) + (dv[d] as number);
        }
      }
    }
  }
  return dx;
}

/**
 * The Keras default pool (2×2, stride 2), unrolled: windows do not overlap, so each dx element gets at
 * most one dy value. Windows cut by the border (odd sizes with 'same') read a clamped position twice,
 * which cannot change which element wins under the strict comparison.
 */
function pool2x2Grad(
  xv: ArrayLike<number>,
  dv: ArrayLike<number>,
  out: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  ho: number,
  wo: number,
  pt: number,
  pl: number,
): void {
  const rowStride = w * c;
  let d = 0;
  for (let b = 0; b < n; b++) {
    const img = b * h * rowStride;
    for (let r = 0; r < ho; r++) {
      const top = r * 2 - pt;
      const r0 = Math.max(0, top);
      const r1 = Math.min(h - 1, top + 1);
      for (let q = 0; q < wo; q++) {
        const left = q * 2 - pl;
        const c0 = Math.max(0, left);
        const c1 = Math.min(w - 1, left + 1);
        const p00 = img + r0 * rowStride + c0 * c;
        const p01 = img + r0 * rowStride + c1 * c;
        const p10 = img + r1 * rowStride + c0 * c;
        const p11 = img + r1 * rowStride + c1 * c;
        for (let k = 0; k < c; k++, d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          let v = xv[p00 + k] as number;
          if (v > best) {
            best = v;
            at = p00 + k;
          }
          v = xv[p01 + k] as number;
          if (v > best) {
            best = v;
            at = p01 + k;
          }
          v = xv[p10 + k] as number;
          if (v > best) {
            best = v;
            at = p10 + k;
          }
          v = xv[p11 + k] as number;
          if (v > best) at = p11 + k;
          if (at >= 0) out[at] = dv[d] as number;
        }
      }
    }
  }
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
