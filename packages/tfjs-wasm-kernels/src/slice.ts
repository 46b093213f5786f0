import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { override } from './override.ts';
import { input, type TensorInfo } from './shared.ts';
import { heapSpan } from './views.ts';

/**
 * Slice, Unpack and SplitV without the shipped kernels' full copy of the input: they read it with
 * `backend.readSync`, which copies the whole tensor off the wasm heap on every call, and Unpack and
 * SplitV call Slice once per output. Unpacking a [28,128,64] LSTM sequence copied 28 × 229k floats
 * for 229k useful ones (12 ms a call). These read the heap in place and copy each output once.
 * The copies use `copyWithin` on the heap. float32, int32 and bool; strings (and
 * complex64) go to the shipped kernels.
 */

const copyable = (dtype: string) => dtype === 'float32' || dtype === 'int32' || dtype === 'bool';

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Runs shorter than this are copied element by element (a copyWithin call costs more). */
const MIN_COPY_RUN = 16;

/**
 * Copies the box [begin, begin + size) of the tensor at heap[srcBase] (shape `shape`) to heap[dstBase]
 * onwards. The trailing axes the box spans whole are merged into one contiguous run, copied with
 * `copyWithin` (or a plain loop when short); the leading ones are walked with an odometer.
 */
export function copyBox(
  heap: Int32Array | Uint8Array,
  srcBase: number,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dstBase: number,
): void {
  const rank = shape.length;
  const total = sizeOf(size);
  if (total === 0) return;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d] as number;
  }
  // Merge trailing axes taken whole, plus the first one that is not, into the contiguous run.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === shape[inner]) inner--;
  const run = (size[inner] as number) * (strides[inner] as number);
  let base = srcBase;
  for (let d = 0; d <= inner; d++) base += (begin[d] as number) * (strides[d] as number);
  const count = total / run;
  const idx = new Array<number>(inner).fill(0);
  let o = dstBase;
  for (let i = 0; i < count; i++) {
    let off = base;
    for (let d = 0; d < inner; d++) off += (idx[d] as number) * (strides[d] as number);
    if (run >= MIN_COPY_RUN) heap.copyWithin(o, off, off + run);
    else for (let j = 0; j < run; j++) heap[o + j] = heap[off + j] as number;
    o += run;
    for (let d = inner - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (size[d] as number)) break;
      idx[d] = 0;
    }
  }
}

export const sliceOverride = override<tf.SliceAttrs>(tf.Slice, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', tf.Slice);
  if (!copyable(x.dtype) || x.shape.length === 0) return undefined;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.TensorInfo as tf.Tensor,
    attrs.begin,
    attrs.size,
  ) as [number[], number[]];
  const out = backend.makeOutput(size, x.dtype);
  const [heap, src] = heapSpan(backend, x);
  copyBox(heap, src, x.shape, begin, size, heapSpan(backend, out)[1]);
  return out;
});

/**
 * Splits x along `axis` into pieces of the given sizes: all outputs are allocated first (allocation
 * can grow the heap and detach views), then each is filled from one view of x.
 */
function splitAlong(backend: BackendWasm, x: TensorInfo, axis: number, sizes: number[]): TensorInfo[] {
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return backend.makeOutput(shape, x.dtype);
  });
  const [heap, src] = heapSpan(backend, x);
  const begin = new Array<number>(x.shape.length).fill(0);
  outs.forEach((out, i) => {
    copyBox(heap, src, x.shape, begin, out.shape, heapSpan(backend, out)[1]);
    begin[axis] = (begin[axis] as number) + (sizes[i] as number);
  });
  return outs;
}

export const unpackOverride = override<tf.UnpackAttrs>(tf.Unpack, ({ inputs, backend, attrs }) => {
  const value = input(inputs, 'value', tf.Unpack);
  if (!copyable(value.dtype)) return undefined;
  const rank = value.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const n = value.shape[axis] as number;
  const outShape = value.shape.filter((_, d) => d !== axis);
  return splitAlong(backend, value, axis, new Array<number>(n).fill(1)).map((t) => ({
    ...t,
    shape: outShape,
  }));
});

export const splitVOverride = override<tf.SplitVAttrs>(tf.SplitV, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', tf.SplitV);
  if (!copyable(x.dtype)) return undefined;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(
    x as tf.TensorInfo as tf.Tensor,
    attrs.numOrSizeSplits,
    axis,
  ) as number[];
  return splitAlong(backend, x, axis, sizes);
});
