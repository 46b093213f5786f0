import * as tf from '@tensorflow/tfjs';
import { override } from './override.ts';
import { input } from './shared.ts';
import { heapSpan } from './views.ts';

/**
 * Tile by copying runs: the shipped kernel computes every output element's source index in a scalar
 * loop (14 ms to tile the LSTM code [128,1,64] to [128,28,64], RepeatVector). Here the output is built
 * from the innermost axis out: each input row is copied into its place, repeated along that axis, and
 * each finished block is then repeated along the next axis out with `copyWithin`. float32, int32 and
 * bool; other dtypes go to the shipped kernel.
 */
export const tileOverride = override<tf.TileAttrs>(tf.Tile, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x', tf.Tile);
  const rank = x.shape.length;
  const reps = attrs.reps;
  const copyable = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
  if (!copyable || rank === 0 || reps.length !== rank) return undefined;
  const outShape = x.shape.map((d, i) => d * (reps[i] as number));
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const [heap, src] = heapSpan(backend, x);
  const dst = heapSpan(backend, out)[1];
  // block[d]: elements of one output block spanning axes d.. (after tiling).
  const block = new Array<number>(rank + 1);
  block[rank] = 1;
  for (let d = rank - 1; d >= 0; d--) block[d] = (block[d + 1] as number) * (outShape[d] as number);
  const inner = x.shape[rank - 1] as number;
  const rowReps = reps[rank - 1] as number;
  const rows = x.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  // Pass 1: every input row, repeated along the last axis, at the start of its output block.
  const at = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let o = 0;
    for (let d = 0; d < rank - 1; d++) o += (at[d] as number) * (block[d + 1] as number);
    const from = src + r * inner;
    for (let k = 0; k < rowReps; k++) {
      const to = dst + o + k * inner;
      if (inner >= 16) heap.copyWithin(to, from, from + inner);
      else for (let e = 0; e < inner; e++) heap[to + e] = heap[from + e] as number;
    }
    for (let d = rank - 2; d >= 0; d--) {
      at[d] = (at[d] as number) + 1;
      if ((at[d] as number) < (x.shape[d] as number)) break;
      at[d] = 0;
    }
  }
  // Pass 2, innermost axis first: repeat each block of axis d+1.. along axis d.
  for (let d = rank - 2; d >= 0; d--) {
    const reps_d = reps[d] as number;
    if (reps_d === 1) continue;
    const sub = block[d + 1] as number; // one block of axis d+1..
    const filled = (x.shape[d] as number) * sub; // the written part of each axis-d block
    // Only blocks inside the first tile of the outer axes hold data yet; the outer passes copy them.
    const outer = x.shape.slice(0, d);
    const count = outer.reduce((p, v) => p * v, 1);
    const idx = new Array<number>(d).fill(0);
    for (let b = 0; b < count; b++) {
      let start = 0;
      for (let j = 0; j < d; j++) start += (idx[j] as number) * (block[j + 1] as number);
      const at = dst + start;
      for (let k = 1; k < reps_d; k++) heap.copyWithin(at + k * filled, at, at + filled);
      for (let j = d - 1; j >= 0; j--) {
        idx[j] = (idx[j] as number) + 1;
        if ((idx[j] as number) < (outer[j] as number)) break;
        idx[j] = 0;
      }
    }
  }
  return out;
});
