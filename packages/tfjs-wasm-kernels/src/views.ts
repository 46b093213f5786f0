import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './shared.ts';

interface WasmData {
  id: number;
  memoryOffset: number;
}

/** The backend's record of a tensor's storage (not part of its typed API). */
export function dataOf(backend: BackendWasm, t: TensorInfo): WasmData {
  const map = (backend as unknown as { dataIdMap: { get(id: object): WasmData | undefined } }).dataIdMap;
  const data = map.get(t.dataId);
  if (data === undefined) throw new Error('tensor data not found in the wasm backend');
  return data;
}

/**
 * A float32 tensor over elements [offset, offset + size(shape)) of t's storage, without copying, to
 * hand a part of a tensor to a wasm kernel. Release it with `releaseView`, never `disposeData` (which
 * would free the middle of t's allocation); t must outlive it. Do not pass views as BatchMatMul's
 * weights operand (its packed-weights cache is keyed by tensor id).
 */
export function viewOf(backend: BackendWasm, t: TensorInfo, offset: number, shape: number[]): TensorInfo {
  if (t.dtype !== 'float32') throw new Error(`views are float32 only, got ${t.dtype}`);
  return backend.makeOutput(shape, 'float32', dataOf(backend, t).memoryOffset + offset * 4);
}

/** Forgets a view made by `viewOf`, leaving the storage it points into alone. */
export function releaseView(backend: BackendWasm, view: TensorInfo): void {
  const { id } = dataOf(backend, view);
  const internals = backend as unknown as {
    dataIdMap: { delete(id: object): void };
    wasm: { tfjs: { disposeData(id: number): void } };
  };
  internals.wasm.tfjs.disposeData(id);
  internals.dataIdMap.delete(view.dataId);
}

/** The whole wasm heap, as 4-byte (Int32Array) or 1-byte (Uint8Array, bool) elements. */
export type HeapSpan = [heap: Int32Array | Uint8Array, base: number];

/**
 * The whole wasm heap and t's first element in it, for copies between tensors with `copyWithin` on
 * this one array (no typed-array object per row; values are copied as bits). 4-byte dtypes (float32,
 * int32) share one Int32Array view and bool one Uint8Array view, so tensors of one dtype share an
 * array. Take it after the last allocation of a stage (growing the heap detaches it).
 */
export function heapSpan(backend: BackendWasm, t: TensorInfo): HeapSpan {
  const { memoryOffset } = dataOf(backend, t);
  const buffer = (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
  if (t.dtype === 'bool') return [new Uint8Array(buffer), memoryOffset];
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`no heap span for ${t.dtype}`);
  return [new Int32Array(buffer), memoryOffset / 4];
}
