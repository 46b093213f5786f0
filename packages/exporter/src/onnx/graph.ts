import { IR_VERSION, type OnnxTypes, OPSET, onnx } from './proto.ts';

/** A tfjs shape: `null` is the batch dimension, published as the symbolic dimension `batch`. */
export type Shape = readonly (number | null)[];

/**
 * TF.js lays images out channels-last (NHWC) and ONNX's Conv, MaxPool and Resize want channels-first
 * (NCHW). Every rank-4 value remembers which one it holds, so that a Transpose is added only where the
 * two worlds meet (after a Reshape to an image, before a Flatten, at graph inputs and outputs).
 */
export type Layout = 'channelsLast' | 'channelsFirst';

export interface Value {
  /** The ONNX tensor name. */
  name: string;
  /** The tfjs (channels-last) shape, whatever `layout` the ONNX tensor has. */
  shape: Shape;
  layout: Layout;
}

/** An attribute value; the kind is explicit because ONNX tells `1` (INT) from `1.0` (FLOAT). */
export type Attribute =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { floats: readonly number[] }
  | { string: string }
  | { strings: readonly string[] };

const AttributeType = onnx.AttributeProto.AttributeType;
const DataType = onnx.TensorProto.DataType;

const TO_CHANNELS_FIRST = [0, 3, 1, 2];
const TO_CHANNELS_LAST = [0, 2, 3, 1];

function attributeProto(name: string, value: Attribute): OnnxTypes.IAttributeProto {
  const encoder = new TextEncoder();
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('string' in value) return { name, type: AttributeType.STRING, s: encoder.encode(value.string) };
  return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => encoder.encode(s)) };
}

/** Little-endian bytes, as ONNX's `raw_data` requires whatever the host's byte order. */
function rawFloat32(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

function rawInt64(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return bytes;
}

function valueInfo(name: string, shape: Shape): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: shape.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}

/** Builds one ONNX graph: names stay unique and readable (`<tfjs layer>/<op>`). */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly transposed = new Map<string, Value>();
  private readonly reserved: ReadonlySet<string>;
  /** Tensors renamed to the output name they are published under. */
  private readonly renamed = new Map<string, string>();

  /** `reserved`: the input and output names users see, kept free for {@link input} and {@link output}. */
  constructor(reserved: readonly string[] = []) {
    this.reserved = new Set(reserved);
  }

  /** `base`, or `base_1`, `base_2`… if taken. */
  name(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name) || this.reserved.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Takes one of the reserved names for a graph input or output. */
  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`the name '${name}' is used twice`);
    this.used.add(name);
  }

  input(name: string, shape: Shape): Value {
    this.claim(name);
    this.inputs.push(valueInfo(name, shape));
    return { name, shape, layout: 'channelsLast' };
  }

  /**
   * Publishes `value` under `name`, in tfjs's channels-last order. Call it once the whole graph is
   * built: it renames the value's tensor, which nodes added later would not see.
   */
  output(value: Value, name: string): void {
    const last = this.channelsLast(value);
    const source = this.renamed.get(last.name) ?? last.name;
    const fromNode = this.nodes.some((n) => n.output?.includes(source));
    const published = this.outputs.some((o) => o.name === source);
    this.claim(name);
    if (fromNode && !published) {
      for (const node of this.nodes) {
        node.input = node.input?.map((n) => (n === source ? name : n)) ?? null;
        node.output = node.output?.map((n) => (n === source ? name : n)) ?? null;
      }
      this.renamed.set(last.name, name);
    } else {
      // A graph input, or a tensor already published under another name, needs a copy.
      this.nodes.push({
        name: this.name(`${name}/Identity`),
        opType: 'Identity',
        input: [source],
        output: [name],
      });
    }
    this.outputs.push(valueInfo(name, value.shape));
  }

  initializer(name: string, values: Float32Array, dims: readonly number[]): string {
    const unique = this.name(name);
    this.initializers.push({
      name: unique,
      dataType: DataType.FLOAT,
      dims: [...dims],
      rawData: rawFloat32(values),
    });
    return unique;
  }

  int64(name: string, values: readonly number[]): string {
    const unique = this.name(name);
    this.initializers.push({
      name: unique,
      dataType: DataType.INT64,
      dims: [values.length],
      rawData: rawInt64(values),
    });
    return unique;
  }

  /**
   * Adds a node and returns its output names. `name` names the node and, unless `outputs` says
   * otherwise, its single output.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    options: { name: string; outputs?: readonly string[] },
  ): string[] {
    const nodeName = this.name(options.name);
    // An empty output name leaves an optional output out, as ONNX defines.
    const outputs = options.outputs?.map((o) => (o === '' ? '' : this.name(o))) ?? [nodeName];
    this.nodes.push({
      name: nodeName,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputs;
  }

  /** Adds a node with one output, named like the node; returns that name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, Attribute>, name: string): string {
    return this.node(opType, inputs, attributes, { name })[0] as string;
  }

  /** The same value as NCHW (a no-op unless it is a channels-last image). */
  channelsFirst(value: Value): Value {
    if (value.shape.length !== 4 || value.layout === 'channelsFirst') return value;
    return this.transpose(value, 'channelsFirst', TO_CHANNELS_FIRST);
  }

  /** The same value in tfjs's own order: what Reshape, Flatten and graph outputs need. */
  channelsLast(value: Value): Value {
    if (value.layout === 'channelsLast') return value;
    return this.transpose(value, 'channelsLast', TO_CHANNELS_LAST);
  }

  private transpose(value: Value, layout: Layout, perm: number[]): Value {
    const key = `${value.name}>${layout}`;
    const known = this.transposed.get(key);
    if (known) return known;
    const name = this.op('Transpose', [value.name], { perm: { ints: perm } }, `${value.name}/to_${layout}`);
    const result: Value = { name, shape: value.shape, layout };
    this.transposed.set(key, result);
    return result;
  }

  /** The serialised model. */
  toBytes(meta: {
    graphName: string;
    producerName: string;
    producerVersion: string;
    docString?: string;
  }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: meta.producerName,
      producerVersion: meta.producerVersion,
      docString: meta.docString ?? '',
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
