import type * as tf from '@tensorflow/tfjs';
import { CONVERTERS } from './converters/index.ts';
import { UnsupportedLayerError } from './converters/types.ts';
import { GraphBuilder, type Shape, type Value } from './onnx/graph.ts';

export interface ConvertOptions {
  /** Names of the ONNX inputs, one per model input, in order. */
  inputNames: readonly string[];
  /** Names of the ONNX outputs, one per model output, in order. */
  outputNames: readonly string[];
  graphName: string;
  producer: { name: string; version: string };
  docString?: string;
}

function checkIoNames(kind: string, names: readonly string[], tensors: readonly tf.SymbolicTensor[]): void {
  if (names.length !== tensors.length) {
    throw new Error(
      `the model has ${tensors.length} ${kind}s (${tensors.map((t) => t.name).join(', ')}) but ${names.length} ${kind} names were given (${names.join(', ')})`,
    );
  }
}

function checkInputShape(input: tf.SymbolicTensor, name: string): Shape {
  const [batch, ...rest] = input.shape;
  if (batch !== null || rest.some((d) => typeof d !== 'number')) {
    throw new Error(
      `input '${name}' has shape ${JSON.stringify(input.shape)}: the exporter needs a free batch dimension and fixed sizes after it`,
    );
  }
  if (input.dtype !== 'float32')
    throw new Error(`input '${name}' is ${input.dtype}, only float32 is supported`);
  return input.shape;
}

/**
 * Translates a flat tfjs functional (or sequential) LayersModel into an ONNX model, layer call by
 * layer call, starting from the outputs so that only what they depend on is exported.
 */
export function convertLayersModel(model: tf.LayersModel, options: ConvertOptions): Uint8Array {
  checkIoNames('input', options.inputNames, model.inputs);
  checkIoNames('output', options.outputNames, model.outputs);
  const graph = new GraphBuilder([...options.inputNames, ...options.outputNames]);
  const values = new Map<number, Value>();
  model.inputs.forEach((input, i) => {
    const name = options.inputNames[i] as string;
    values.set(input.id, graph.input(name, checkInputShape(input, name)));
  });

  const resolve = (tensor: tf.SymbolicTensor): Value => {
    const known = values.get(tensor.id);
    if (known) return known;
    const layer = tensor.sourceLayer;
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        null,
        'feeds the graph but is not an input of this model',
      );
    }
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (!node) throw new Error(`layer '${layer.name}' has no call number ${tensor.nodeIndex}`);
    // Call arguments (masks, `training`, initial states) change what a layer computes.
    const callArgs = Object.entries(node.callArgs ?? {}).filter(([, v]) => v !== undefined);
    if (callArgs.length > 0) {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        callArgs[0]?.[0] ?? null,
        `is called with arguments ${callArgs.map(([k]) => k).join(', ')}, which the exporter does not handle`,
      );
    }
    const converter = CONVERTERS[className];
    if (!converter) {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        null,
        `no converter for layer class ${className} (supported: ${Object.keys(CONVERTERS).join(', ')})`,
      );
    }
    const outputs = converter({
      graph,
      layer,
      name: layer.name,
      className,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: node.inputTensors.map(resolve),
      outputShapes: node.outputTensors.map((t) => t.shape),
    });
    node.outputTensors.forEach((t, i) => {
      const value = outputs[i];
      if (value) values.set(t.id, value);
    });
    const result = values.get(tensor.id);
    if (!result) throw new Error(`the converter for ${className} gave no output ${tensor.tensorIndex}`);
    return result;
  };

  const outputs = model.outputs.map(resolve);
  outputs.forEach((value, i) => {
    graph.output(value, options.outputNames[i] as string);
  });
  return graph.toBytes({
    graphName: options.graphName,
    producerName: options.producer.name,
    producerVersion: options.producer.version,
    ...(options.docString === undefined ? {} : { docString: options.docString }),
  });
}
