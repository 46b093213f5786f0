import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, input, type KernelArgs, release, runWasm, type TensorInfo } from './shared.ts';

/**
 * The wasm backend hands a product to XNNPACK only when neither operand is transposed and there is a
 * single matrix on each side; anything else runs a scalar triple loop on one thread, 5–50× slower.
 * The gradients of every Dense layer are transposed products (dx = dy·Wᵀ, dW = xᵀ·dy), so they take
 * the slow loop. This kernel turns each product into XNNPACK's form, C = op(A)·op(B) as:
 * - 'materialise': transpose the transposed operand(s), then one plain product;
 * - 'swap': compute Cᵀ = op(B)ᵀ·op(A)ᵀ, where transposing the non-transposed operand(s) and the result
 *   is cheaper (both operands transposed: no input copy at all);
 * - 'shipped': the backend's own kernel: already fast, or a case this kernel does not handle
 *   (non-float32, or more than one matrix on a side).
 * Each matrix of a batch is a separate product (the backend's fast path takes one matrix at a time).
 */
export type MatMulStrategy = 'shipped' | 'materialise' | 'swap';

interface Product {
  /** Rows of op(A), shared dimension, columns of op(B). */
  m: number;
  k: number;
  n: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function describe(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const dim = (shape: readonly number[], i: number): number => shape[i] ?? 1;
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
  return { m, k: ka, n, batchA: sizeOf(outerA), batchB: sizeOf(outerB), outShape: [...outer, m, n] };
}

/**
 * Measured on 2 cores for the Dense shapes (K or N of 2–784, M of 128–784): a transpose costs about
 * as much per element as packing XNNPACK's weights, so the cheaper variant is the one that copies
 * fewer elements; 'swap' also pays for transposing the result.
 */
export function chooseMatMulStrategy(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): MatMulStrategy {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return 'shipped';
  if (!transposeA && !transposeB) return 'shipped';
  const p = describe(a, b, transposeA, transposeB);
  // Several matrices on one side and one on the other would have to be broadcast; the stacked case
  // (equal batch on both sides) is split into single products below.
  if (p.batchA !== p.batchB && Math.min(p.batchA, p.batchB) !== 1) return 'shipped';
  if (p.batchA !== p.batchB) return 'shipped';
  const sizeA = p.m * p.k;
  const sizeB = p.k * p.n;
  const copyMaterialise = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0);
  const copySwap = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + p.m * p.n;
  return copySwap < copyMaterialise ? 'swap' : 'materialise';
}

let shipped: tf.KernelConfig | undefined;

function shippedMatMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const kernel = shipped ?? tf.getKernel('BatchMatMul', 'wasm');
  if (kernel === undefined) throw new Error("wasm kernel 'BatchMatMul' is not registered");
  const out = kernel.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } });
  if (Array.isArray(out)) throw new Error('BatchMatMul returned several outputs');
  return out;
}

function transpose2d(backend: BackendWasm, x: TensorInfo): TensorInfo {
  return runWasm(backend, 'Transpose', { x }, { perm: [1, 0] });
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

/** Copies one matrix of a stacked tensor out as its own rank-2 tensor. */
function sliceMatrix(
  backend: BackendWasm,
  x: TensorInfo,
  index: number,
  rows: number,
  cols: number,
): TensorInfo {
  const x3 = runWasm(backend, 'Reshape', { x }, { shape: [-1, rows, cols] });
  const s = runWasm(backend, 'Slice', { x: x3 }, { begin: [index, 0, 0], size: [1, rows, cols] });
  release(backend, x3);
  const v = view(backend, s, rows, cols);
  release(backend, s);
  return v;
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
  if (p.batchA === 1 && p.batchB === 1) {
    const a2 = view(backend, a, aRows, aCols);
    const b2 = view(backend, b, bRows, bCols);
    const out = single(backend, a2, b2, transposeA, transposeB, strategy);
    release(backend, a2, b2);
    out.shape = p.outShape;
    return out;
  }
  if (p.batchA !== p.batchB) return shippedMatMul(backend, a, b, transposeA, transposeB);
  const out = backend.makeOutput(p.outShape, 'float32');
  const size = p.m * p.n;
  for (let i = 0; i < p.batchA; i++) {
    const ai = sliceMatrix(backend, a, i, aRows, aCols);
    const bi = sliceMatrix(backend, b, i, bRows, bCols);
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

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};

/**
 * Puts the transposed-product kernel in front of the wasm backend's BatchMatMul (which it still calls
 * for the products themselves). Call after the wasm backend is ready; calling it again does nothing.
 */
export function registerMatMulKernel(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (current?.kernelFunc === batchMatMulConfig.kernelFunc) return;
  if (current === undefined) throw new Error("wasm kernel 'BatchMatMul' is not registered");
  shipped = current;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(batchMatMulConfig);
}

/** Restores the backend's own BatchMatMul (for benchmarks and tests). */
export function unregisterMatMulKernel(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (current?.kernelFunc !== batchMatMulConfig.kernelFunc || shipped === undefined) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(shipped);
}
