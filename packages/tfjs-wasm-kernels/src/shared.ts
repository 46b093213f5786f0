import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Arguments every kernel function receives from the engine. */
export interface KernelArgs<A> {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: A;
}

export function input(inputs: tf.NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernelName}: missing input '${name}'`);
  return t;
}

/** Runs another wasm kernel directly, skipping the engine's bookkeeping (tape, tracking, profiling). */
export function runWasm(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel '${kernelName}' is not registered`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned several outputs`);
  return out;
}

export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/**
 * A float32 view of a tensor on the wasm heap. Any allocation can grow the heap and detach earlier views,
 * so take views only after the last `makeOutput`/kernel call of a stage.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Values of a numeric tensor of any dtype, for the reference paths. */
export function heapValues(backend: BackendWasm, t: TensorInfo): ArrayLike<number> {
  return backend.typedArrayFromHeap(t);
}

export function pair(v: number | [number, number] | number[]): [number, number] {
  if (typeof v === 'number') return [v, v];
  const a = v[0] ?? 1;
  return [a, v[1] ?? a];
}

/**
 * For every output column o (0 <= o < outLen), the index of the input column it reads
 * (o * stride + offset), or -1 where that falls outside [0, inLen). Precomputing this keeps the inner
 * gather loops free of bounds arithmetic.
 */
export function gatherIndex(outLen: number, inLen: number, stride: number, offset: number): Int32Array {
  const idx = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const i = o * stride + offset;
    idx[o] = i >= 0 && i < inLen ? i : -1;
  }
  return idx;
}

/**
 * Takes the output size from dy itself. tfjs-core's Conv2D gradient does not pass dimRoundingMode on
 * to the backprop kernels, so for a numeric pad with rounding the attributes can describe an output
 * one row/column smaller than the dy actually produced by the forward op; dy's shape is the truth.
 */
export function withOutputOf(info: Conv2DInfo, dy: TensorInfo): Conv2DInfo {
  const last = info.dataFormat === 'channelsLast';
  const oh = dy.shape[last ? 1 : 2] ?? info.outHeight;
  const ow = dy.shape[last ? 2 : 3] ?? info.outWidth;
  if (oh === info.outHeight && ow === info.outWidth) return info;
  const outShape: [number, number, number, number] = last
    ? [info.batchSize, oh, ow, info.outChannels]
    : [info.batchSize, info.outChannels, oh, ow];
  return { ...info, outHeight: oh, outWidth: ow, outShape };
}
