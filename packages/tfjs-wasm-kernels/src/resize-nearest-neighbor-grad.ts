import * as tf from '@tensorflow/tfjs';
import { heapF32, heapValues, input, type KernelArgs, type TensorInfo } from './shared.ts';
import { heapPtr, simdKernels } from './simd.ts';

/**
 * Source row (or column) of each output row of the forward ResizeNearestNeighbor, computed exactly as
 * the forward kernels do (same float expression, same rounding), so that the gradient is the true
 * adjoint of the forward op for every alignCorners/halfPixelCenters combination.
 */
export function nearestSource(
  inLen: number,
  outLen: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const effIn = alignCorners && outLen > 1 ? inLen - 1 : inLen;
  const effOut = alignCorners && outLen > 1 ? outLen - 1 : outLen;
  const ratio = effIn / effOut;
  const src = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inLen - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    src[o] = s;
  }
  return src;
}

/**
 * dx[n, src(r), src(c), :] += dy[n, r, c, :]. The models' 2× upsampling (whole vectors of 4 channels)
 * goes to the SIMD kernel of assembly/kernels.ts; anything else to one JS pass over the wasm heap, a
 * few times faster than the shipped kernel.
 *
 * Unlike the cpu backend's and the shipped wasm gradient, which ignore halfPixelCenters, this one is
 * the adjoint of the forward op for halfPixelCenters too.
 */
export function resizeNearestNeighborGrad(args: KernelArgs<tf.ResizeNearestNeighborGradAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = input(inputs, 'images', tf.ResizeNearestNeighborGrad);
  const dy = input(inputs, 'dy', tf.ResizeNearestNeighborGrad);
  const [n, inH, inW, c] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const alignCorners = attrs.alignCorners === true;
  const halfPixelCenters = attrs.halfPixelCenters === true;
  const rows = nearestSource(inH, outH, alignCorners, halfPixelCenters);
  const cols = nearestSource(inW, outW, alignCorners, halfPixelCenters);

  const dx = backend.makeOutput(images.shape, 'float32');
  const doubling = outH === 2 * inH && outW === 2 * inW && isDoubling(rows) && isDoubling(cols);
  const simd = simdKernels(backend);
  if (doubling && simd !== undefined && c % 4 === 0 && dy.dtype === 'float32') {
    const [dyPtr, dxPtr] = [heapPtr(backend, dy), heapPtr(backend, dx)];
    simd.runOverBatch('upsample2xGrad', n, n * outH * outW * c, (n0, n1) => [
      dyPtr,
      dxPtr,
      n0,
      n1,
      inH,
      inW,
      c,
    ]);
    return dx;
  }
  const dv = dy.dtype === 'float32' ? heapF32(backend, dy) : heapValues(backend, dy);
  const out = heapF32(backend, dx);
  if (doubling) {
    upsample2xGrad(dv, out, n, inH, inW, c);
    return dx;
  }
  out.fill(0);
  let d = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + (rows[r] as number)) * inW;
      for (let q = 0; q < outW; q++) {
        const o = (rowBase + (cols[q] as number)) * c;
        for (let k = 0; k < c; k++) out[o + k] = (out[o + k] as number) + (dv[d++] as number);
      }
    }
  }
  return dx;
}

export function isDoubling(src: Int32Array): boolean {
  for (let o = 0; o < src.length; o++) if (src[o] !== o >> 1) return false;
  return true;
}

/** UpSampling2D's case: each dx pixel is the sum of a 2×2 block of dy, written once (no zero fill). */
function upsample2xGrad(
  dv: ArrayLike<number>,
  out: Float32Array,
  n: number,
  inH: number,
  inW: number,
  c: number,
): void {
  const dyRow = 2 * inW * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inH; i++) {
      let top = (b * 2 * inH + 2 * i) * dyRow;
      for (let j = 0; j < inW; j++, top += 2 * c) {
        const bottom = top + dyRow;
        for (let k = 0; k < c; k++) {
          out[o++] =
            (dv[top + k] as number) +
            (dv[top + c + k] as number) +
            (dv[bottom + k] as number) +
            (dv[bottom + c + k] as number);
        }
      }
    }
  }
}

export const resizeNearestNeighborGradConfig: tf.KernelConfig = {
  kernelName: tf.ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
};
