/**
 * Weight-only float16: an ONNX → ONNX pass that stores a model's float32 weights as float16 and
 * casts them back to float32 where the graph starts. The file is about half the size; inputs,
 * outputs and every computation stay float32, so the result runs on every onnxruntime execution
 * provider (WASM included, which has few float16 kernels) and callers see no difference but the
 * rounding of the weights. onnxruntime folds the casts into float32 constants when it opens the
 * session, so inference costs the same.
 */
import { type OnnxTypes, onnx } from './proto.ts';

const DataType = onnx.TensorProto.DataType;

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

/**
 * Tensors with fewer values stay float32 by default: biases of small layers, Resize's scales. Storing
 * them as float16 would save under 128 bytes each, less than the Cast node it takes.
 */
export const FLOAT16_MIN_ELEMENTS = 64;

/** The metadata entry a converted file carries, so that a reader can tell it from the float32 one. */
export const FLOAT16_METADATA = { key: 'weights', value: 'float16' } as const;

export interface Float16Options {
  /** Float32 initializers with fewer values than this stay float32 ({@link FLOAT16_MIN_ELEMENTS}). */
  minElements?: number;
}

export interface Float16Tensor {
  name: string;
  elements: number;
}

export interface Float16Result {
  /** The converted model. */
  data: Uint8Array;
  /** The initializers now stored as float16. */
  converted: Float16Tensor[];
  /** Float32 initializers left as they were, and why. */
  kept: (Float16Tensor & { reason: 'small' | 'out of float16 range' | 'graph input' })[];
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE 754 binary16 bits of a number, rounded to nearest, ties to even (as a cast in onnxruntime or
 * numpy's `astype(float16)` rounds). Beyond ±65504 gives ±infinity; NaN stays NaN.
 */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A float16 subnormal, m · 2⁻²⁴, or zero.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves into the exponent, as it should (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The number a float16 bit pattern holds. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** A tensor's float32 values, from `raw_data` (little-endian) or `float_data`. */
function float32Values(tensor: OnnxTypes.ITensorProto): Float32Array {
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  }
  return Float32Array.from(tensor.floatData ?? []);
}

function rawFloat16(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setUint16(i * 2, float16Bits(v), true);
  });
  return bytes;
}

/**
 * Returns a copy of an ONNX model whose float32 initializers (those with at least `minElements`
 * values, all within float16's range) are stored as float16, each followed by a `Cast` to float32
 * that takes the initializer's old name, so that no other node changes. Deterministic: the same
 * input gives the same bytes.
 */
export function float16Weights(model: Uint8Array, options: Float16Options = {}): Float16Result {
  const minElements = options.minElements ?? FLOAT16_MIN_ELEMENTS;
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph;
  if (!graph) throw new Error('the model has no graph');
  if (decoded.metadataProps?.some((p) => p.key === FLOAT16_METADATA.key))
    throw new Error('the model already declares its weights (converted twice?)');

  const names = new Set<string>();
  for (const node of graph.node ?? []) {
    for (const n of [...(node.input ?? []), ...(node.output ?? []), node.name ?? '']) names.add(n);
  }
  for (const t of graph.initializer ?? []) names.add(t.name ?? '');
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  // An initializer that is also a graph input is a default the caller may override: it keeps its type.
  const inputs = new Set((graph.input ?? []).map((i) => i.name));

  const converted: Float16Tensor[] = [];
  const kept: Float16Result['kept'] = [];
  const casts: OnnxTypes.INodeProto[] = [];
  const initializers = (graph.initializer ?? []).map((tensor) => {
    if (tensor.dataType !== DataType.FLOAT) return tensor;
    const name = tensor.name ?? '';
    const values = float32Values(tensor);
    const entry = { name, elements: values.length };
    if (inputs.has(name)) {
      kept.push({ ...entry, reason: 'graph input' });
      return tensor;
    }
    if (values.length < minElements) {
      kept.push({ ...entry, reason: 'small' });
      return tensor;
    }
    if (values.some((v) => Number.isFinite(v) && Math.abs(v) > FLOAT16_MAX)) {
      kept.push({ ...entry, reason: 'out of float16 range' });
      return tensor;
    }
    const stored = unique(`${name}/float16`);
    casts.push({
      name: unique(`${name}/Cast`),
      opType: 'Cast',
      input: [stored],
      output: [name],
      attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT }],
    });
    converted.push(entry);
    return onnx.TensorProto.create({
      name: stored,
      dataType: DataType.FLOAT16,
      dims: tensor.dims ?? [],
      rawData: rawFloat16(values),
      ...(tensor.docString ? { docString: tensor.docString } : {}),
    });
  });

  graph.initializer = initializers;
  // The casts read only initializers: first in the node list keeps the graph topologically sorted.
  graph.node = [...casts, ...(graph.node ?? [])];
  decoded.metadataProps = [...(decoded.metadataProps ?? []), { ...FLOAT16_METADATA }];
  return { data: onnx.ModelProto.encode(decoded).finish(), converted, kept };
}
