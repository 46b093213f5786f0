import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { override } from './override.ts';
import type { TensorInfo } from './shared.ts';
import { heapSpan } from './views.ts';

/**
 * Concat and Pack of float32, int32 and bool tensors with `copyWithin` on the wasm heap. The shipped
 * kernels copy row by row through a new typed-array view per row and input: 4 × [128,64] along the
 * last axis (the LSTM gates' gradient, 56 times a step) took ~90 µs against ~23 µs here, and stacking
 * the 28 LSTM outputs [128,64] along axis 1 (Pack) 3,584 views. Short rows are copied in a plain loop.
 * Strings go to the shipped kernels.
 */

/** Rows shorter than this are copied element by element (a copyWithin call costs more). */
const MIN_COPY_RUN = 16;

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Writes the parts side by side into out: row r of out is row r of each part in turn, where a part's
 * rows are `inner[i]` elements long and there are `outer` rows. All share out's dtype.
 */
function interleave(
  backend: BackendWasm,
  parts: TensorInfo[],
  inner: number[],
  outer: number,
  out: TensorInfo,
): void {
  const rowLen = inner.reduce((p, d) => p + d, 0);
  // Offsets are taken after the output's allocation.
  const [heap, outAt] = heapSpan(backend, out);
  let col = 0;
  parts.forEach((t, i) => {
    const len = inner[i] as number;
    let src = heapSpan(backend, t)[1];
    let dst = outAt + col;
    if (len < MIN_COPY_RUN) {
      for (let r = 0; r < outer; r++, src += len, dst += rowLen)
        for (let k = 0; k < len; k++) heap[dst + k] = heap[src + k] as number;
    } else {
      for (let r = 0; r < outer; r++, src += len, dst += rowLen) heap.copyWithin(dst, src, src + len);
    }
    col += len;
  });
}

const copyable = (dtype: string) => dtype === 'float32' || dtype === 'int32' || dtype === 'bool';

export const concatOverride = override<tf.ConcatAttrs>(tf.Concat, ({ inputs, backend, attrs }) => {
  const all = Object.values(inputs) as TensorInfo[];
  const first = all[0];
  if (first === undefined || !copyable(first.dtype) || all.some((t) => t.dtype !== first.dtype))
    return undefined;
  const axis = tf.util.parseAxisParam(attrs.axis, first.shape)[0] as number;
  const shapes = all.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const parts = all.filter((t) => sizeOf(t.shape) > 0);
  if (parts.length < 2) return undefined;
  const out = backend.makeOutput(outShape, first.dtype);
  const outer = sizeOf(first.shape.slice(0, axis));
  interleave(
    backend,
    parts,
    parts.map((t) => sizeOf(t.shape.slice(axis))),
    outer,
    out,
  );
  return out;
});

export const packOverride = override<tf.PackAttrs>(tf.Pack, ({ inputs, backend, attrs }) => {
  const all = Object.values(inputs) as TensorInfo[];
  const first = all[0];
  if (first === undefined || !copyable(first.dtype) || all.length < 2) return undefined;
  const shape = first.shape;
  if (all.some((t) => t.dtype !== first.dtype || !tf.util.arraysEqual(t.shape, shape))) return undefined;
  const rank = shape.length + 1;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  if (axis < 0 || axis >= rank) return undefined;
  const outShape = [...shape.slice(0, axis), all.length, ...shape.slice(axis)];
  const out = backend.makeOutput(outShape, first.dtype);
  if (sizeOf(shape) === 0) return out;
  const inner = sizeOf(shape.slice(axis));
  interleave(backend, all, new Array<number>(all.length).fill(inner), sizeOf(shape.slice(0, axis)), out);
  return out;
});
