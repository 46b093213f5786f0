import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { override } from './override.ts';
import { heapF32, input, release, runWasm, type TensorInfo } from './shared.ts';
import { releaseView, viewOf } from './views.ts';

/**
 * Sum over leading axes (the bias gradients: dy [N,H,W,C] summed to [C]). The shipped kernel only
 * reduces innermost axes, so it first transposes such an input with a scalar loop: 5.7 ms for
 * [100352,16] and 29 ms for [100352,32], more than the convolutions around it. Here the rows are
 * instead added pairwise: the backend's vectorised Add sums views of the first and second halves, so
 * each level halves the rows (0.6 and 0.9–1.2 ms for those shapes), and the last few rows (or an odd
 * one left at some level) are summed in JS in float64. Pairwise summation is also more accurate than
 * the shipped sequential float32 one. Other reductions go to the shipped kernel.
 */

/**
 * Halving stops once fewer than this many elements are left (or a single row): the rest is one short
 * JS loop, cheaper than more kernel calls (each Add sets up an XNNPACK operator).
 */
const MIN_TREE_SIZE = 16384;

/** The reduced axes if they are exactly 0..k-1 for some 0 < k < rank, else undefined. */
export function leadingAxes(shape: readonly number[], axis: number | number[]): number | undefined {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape as number[]))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= shape.length) return undefined;
  return axes.every((a, i) => a === i) ? k : undefined;
}

/** Column sums of a rows × cols float32 matrix stored in x. */
export function sumRows(backend: BackendWasm, x: TensorInfo, rows: number, cols: number): TensorInfo {
  const acc = new Float64Array(cols);
  let cur = x;
  let n = rows;
  while (n >= 2 && n * cols >= MIN_TREE_SIZE) {
    const half = Math.floor(n / 2);
    if (n % 2 === 1) {
      // The odd last row goes straight into the accumulator.
      const v = heapF32(backend, cur);
      const base = (n - 1) * cols;
      for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (v[base + c] as number);
    }
    const a = viewOf(backend, cur, 0, [half * cols]);
    const b = viewOf(backend, cur, half * cols, [half * cols]);
    const s = runWasm(backend, 'Add', { a, b });
    releaseView(backend, a);
    releaseView(backend, b);
    if (cur !== x) release(backend, cur);
    cur = s;
    n = half;
  }
  const out = backend.makeOutput([cols], 'float32');
  const v = heapF32(backend, cur);
  for (let r = 0; r < n; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (v[base + c] as number);
  }
  heapF32(backend, out).set(acc);
  if (cur !== x) release(backend, cur);
  return out;
}

export const sumOverride = override<tf.SumAttrs>(tf.Sum, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', tf.Sum);
  if (x.dtype !== 'float32') return undefined;
  const k = leadingAxes(x.shape, attrs.axis);
  if (k === undefined) return undefined;
  const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const rest = x.shape.slice(k);
  const cols = rest.reduce((p, d) => p * d, 1);
  if (rows === 0 || cols === 0) return undefined;
  const out = sumRows(backend, x, rows, cols);
  out.shape = attrs.keepDims ? [...Array<number>(k).fill(1), ...rest] : rest;
  return out;
});
