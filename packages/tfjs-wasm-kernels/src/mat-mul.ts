import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fastKernel } from './override.ts';
import { heapF32, input, type KernelArgs, release, runWasm, type TensorInfo } from './shared.ts';

/**
 * The wasm backend hands a product to XNNPACK only when neither operand is transposed and there is a
 * single matrix on each side; anything else runs a scalar triple loop on one thread, 5–50× slower.
 * The gradients of every Dense layer are transposed products (dx = dy·Wᵀ, dW = xᵀ·dy), so they take
 * the slow loop. This kernel turns each product C = op(A)·op(B) into XNNPACK's form, as:
 * - 'materialise': transpose the transposed operand(s), then one plain product;
 * - 'swap': compute Cᵀ = op(B)ᵀ·op(A)ᵀ, where transposing the non-transposed operand(s) and the result
 *   is cheaper (both operands transposed: no input copy at all);
 * - 'shipped': the backend's own kernel, where it is already fast (plain single products), for small
 *   stacked products (where per-matrix calls cost more than the loop saves) and for non-float32 input.
 * Stacked operands are multiplied one matrix at a time, broadcasting the outer dimensions in full:
 * the shipped kernel (and the cpu backend) give a short, wrong result when both sides broadcast
 * ([2,1,…]·[1,3,…]), so those never go to 'shipped'.
 */
export type MatMulStrategy = 'shipped' | 'materialise' | 'swap';

interface Product {
  /** Rows of op(A), shared dimension, columns of op(B). */
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  outer: number[];
  outShape: number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const dim = (shape: readonly number[], i: number): number => shape[i] ?? 1;

function describe(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = dim(a.shape, transposeA ? ra - 1 : ra - 2);
  const ka = dim(a.shape, transposeA ? ra - 2 : ra - 1);
  const kb = dim(b.shape, transposeB ? rb - 1 : rb - 2);
  const n = dim(b.shape, transposeB ? rb - 2 : rb - 1);
  if (ka !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${ka}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  return { m, k: ka, n, outerA, outerB, outer, outShape: [...outer, m, n] };
}

/** Whether the shipped kernel broadcasts these outer shapes correctly: equal, or one side a single matrix. */
function shippedBroadcasts(p: Product): boolean {
  const batchA = sizeOf(p.outerA);
  const batchB = sizeOf(p.outerB);
  if (batchA === 1 || batchB === 1) return true;
  return batchA === batchB && batchA === sizeOf(p.outer);
}

/**
 * Below this many multiply-adds per matrix, a stack of products is left to the shipped loop: each
 * separate product costs a few kernel calls and an XNNPACK operator. Measured (xᵀ·y, 1 thread):
 * [64,8,8] 0.06 ms shipped vs 1.2 ms split, [16,32,32] 0.38 vs 0.33, [4,64,64] 0.76 vs 0.19.
 */
const MIN_SPLIT_WORK = 32 * 32 * 32;

/**
 * Picks the variant that copies fewer elements (a transpose costs about as much per element as
 * XNNPACK packing its weights). On the Dense products of simple, deep and vae this picked the faster
 * variant or one within ~10% of it, except deep's first-layer dW, where runs disagreed on which wins.
 */
export function chooseMatMulStrategy(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): MatMulStrategy {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return 'shipped';
  const p = describe(a, b, transposeA, transposeB);
  const single = sizeOf(p.outer) === 1;
  if (single && !transposeA && !transposeB) return 'shipped';
  if (!single && shippedBroadcasts(p) && p.m * p.k * p.n < MIN_SPLIT_WORK) return 'shipped';
  const sizeA = p.m * p.k;
  const sizeB = p.k * p.n;
  const copyMaterialise = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0);
  const copySwap = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + p.m * p.n;
  return copySwap < copyMaterialise ? 'swap' : 'materialise';
}

function shippedMatMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const kernel = batchMatMulKernel.displaced() ?? tf.getKernel('BatchMatMul', 'wasm');
  if (kernel === undefined) throw new Error("wasm kernel 'BatchMatMul' is not registered");
  if (kernel.kernelFunc === batchMatMulFunc) {
    throw new Error('the BatchMatMul kernel must be installed with batchMatMulKernel.register()');
  }
  const out = kernel.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } });
  if (Array.isArray(out)) throw new Error('BatchMatMul returned several outputs');
  return out;
}

/**
 * The backend's 2-D transpose writes columns with a stride of the row count, which for row counts
 * that are multiples of 64 (batch sizes) keeps hitting the same cache sets: [256,784] takes 0.7–3 ms
 * against 0.1 ms for [784,256]. Splitting the rows into two halves, [2, r/2, c] → [c, 2, r/2] (the same
 * bytes as [c, r]), goes through the backend's rank-3 loop instead, 5–20× faster for those shapes.
 */
function transpose2d(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const [rows = 1, cols = 1] = x.shape;
  if (rows % 64 !== 0 || rows * cols < 4096) return runWasm(backend, 'Transpose', { x }, { perm: [1, 0] });
  const split = { dataId: x.dataId, shape: [2, rows / 2, cols], dtype: x.dtype };
  const out = runWasm(backend, 'Transpose', { x: split }, { perm: [2, 0, 1] });
  out.shape = [cols, rows];
  return out;
}

/** A rank-2 view of one stored matrix (rows × cols), sharing x's data. */
function view(backend: BackendWasm, x: TensorInfo, rows: number, cols: number): TensorInfo {
  return runWasm(backend, 'Reshape', { x }, { shape: [rows, cols] });
}

/** One product of stored matrices a (m×k, or k×m if transposed) and b, in XNNPACK's plain form. */
function single(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  strategy: 'materialise' | 'swap',
): TensorInfo {
  if (strategy === 'materialise') {
    const ta = transposeA ? transpose2d(backend, a) : a;
    const tb = transposeB ? transpose2d(backend, b) : b;
    const out = shippedMatMul(backend, ta, tb, false, false);
    if (ta !== a) release(backend, ta);
    if (tb !== b) release(backend, tb);
    return out;
  }
  // Cᵀ = op(B)ᵀ·op(A)ᵀ: a transposed operand is already stored the way the swapped product wants it.
  const left = transposeB ? b : transpose2d(backend, b);
  const right = transposeA ? a : transpose2d(backend, a);
  const ct = shippedMatMul(backend, left, right, false, false);
  if (left !== b) release(backend, left);
  if (right !== a) release(backend, right);
  const out = transpose2d(backend, ct);
  release(backend, ct);
  return out;
}

/** Matrix `index` of a stack, as its own rank-2 tensor (a view when the stack holds one matrix). */
function matrixOf(
  backend: BackendWasm,
  x: TensorInfo,
  index: number,
  rows: number,
  cols: number,
): TensorInfo {
  if (sizeOf(x.shape) === rows * cols) return view(backend, x, rows, cols);
  const x3 = runWasm(backend, 'Reshape', { x }, { shape: [-1, rows, cols] });
  const s = runWasm(backend, 'Slice', { x: x3 }, { begin: [index, 0, 0], size: [1, rows, cols] });
  release(backend, x3);
  const v = view(backend, s, rows, cols);
  release(backend, s);
  return v;
}

/** For each matrix of the broadcast output, the matrix of an operand with outer shape `outer` it reads. */
function broadcastIndex(outer: number[], full: number[]): Int32Array {
  const padded = [...Array<number>(full.length - outer.length).fill(1), ...outer];
  const index = new Int32Array(sizeOf(full));
  for (let i = 0; i < index.length; i++) {
    let rest = i;
    let src = 0;
    let stride = 1;
    for (let d = full.length - 1; d >= 0; d--) {
      const size = full[d] as number;
      const own = padded[d] as number;
      if (own !== 1) src += (rest % size) * stride;
      rest = Math.floor(rest / size);
      stride *= own;
    }
    index[i] = src;
  }
  return index;
}

export function matMulWith(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  strategy: MatMulStrategy,
): TensorInfo {
  if (strategy === 'shipped') return shippedMatMul(backend, a, b, transposeA, transposeB);
  const p = describe(a, b, transposeA, transposeB);
  const [aRows, aCols] = transposeA ? [p.k, p.m] : [p.m, p.k];
  const [bRows, bCols] = transposeB ? [p.n, p.k] : [p.k, p.n];
  const count = sizeOf(p.outer);
  if (count === 1) {
    const a2 = view(backend, a, aRows, aCols);
    const b2 = view(backend, b, bRows, bCols);
    const out = single(backend, a2, b2, transposeA, transposeB, strategy);
    release(backend, a2, b2);
    out.shape = p.outShape;
    return out;
  }
  const fromA = broadcastIndex(p.outerA, p.outer);
  const fromB = broadcastIndex(p.outerB, p.outer);
  const out = backend.makeOutput(p.outShape, 'float32');
  const size = p.m * p.n;
  for (let i = 0; i < count; i++) {
    const ai = matrixOf(backend, a, fromA[i] as number, aRows, aCols);
    const bi = matrixOf(backend, b, fromB[i] as number, bRows, bCols);
    const ci = single(backend, ai, bi, transposeA, transposeB, strategy);
    release(backend, ai, bi);
    // Views are taken after the allocations above, which may have grown (and detached) the heap.
    heapF32(backend, out).set(heapF32(backend, ci), i * size);
    release(backend, ci);
  }
  return out;
}

function batchMatMul({ inputs, backend, attrs }: KernelArgs<tf.BatchMatMulAttrs>): TensorInfo {
  const a = input(inputs, 'a', 'BatchMatMul');
  const b = input(inputs, 'b', 'BatchMatMul');
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const strategy = chooseMatMulStrategy(a, b, transposeA, transposeB);
  return matMulWith(backend, a, b, transposeA, transposeB, strategy);
}

const batchMatMulFunc = batchMatMul as unknown as tf.KernelFunc;

/**
 * The transposed-product kernel in front of the wasm backend's BatchMatMul, which it keeps (as the
 * kernel it displaced) for the products that are already fast and calls for the products themselves.
 */
export const batchMatMulKernel = fastKernel('BatchMatMul', batchMatMulFunc);
