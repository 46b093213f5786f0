import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder, Shape, Value } from '../onnx/graph.ts';

/** One call of one tfjs layer, as a converter sees it. */
export interface LayerContext {
  graph: GraphBuilder;
  /** The layer whose weights and config are converted (for TimeDistributed: the wrapped layer). */
  layer: tf.layers.Layer;
  /** The tfjs layer name, which prefixes every ONNX node and tensor the converter adds. */
  name: string;
  className: string;
  config: Record<string, unknown>;
  inputs: Value[];
  /** The tfjs output shapes of this call. */
  outputShapes: Shape[];
}

/** Adds the ONNX nodes computing one layer call; returns one value per tfjs output. */
export type Converter = (ctx: LayerContext) => Value[];

/**
 * The exporter met something it cannot translate exactly. It stops rather than write a graph that
 * computes something else.
 */
export class UnsupportedLayerError extends Error {
  constructor(
    readonly layer: string,
    readonly className: string,
    readonly option: string | null,
    problem: string,
  ) {
    super(`cannot export layer '${layer}' (${className}): ${problem}`);
    this.name = 'UnsupportedLayerError';
  }
}

export function unsupported(
  ctx: LayerContext,
  option: string | null,
  problem: string,
): UnsupportedLayerError {
  return new UnsupportedLayerError(ctx.name, ctx.className, option, problem);
}

/** Checks one option's value; returns what is wrong with it, or null. */
export type OptionCheck = (value: unknown) => string | null;

/** Options that change only how a layer trains or is built, never what it computes at inference. */
const TRAINING_ONLY = new Set([
  'name',
  'trainable',
  'batchInputShape',
  'inputShape',
  'batchSize',
  'kernelInitializer',
  'biasInitializer',
  'recurrentInitializer',
  'kernelRegularizer',
  'biasRegularizer',
  'recurrentRegularizer',
  'activityRegularizer',
  'kernelConstraint',
  'biasConstraint',
  'recurrentConstraint',
  'dropout',
  'recurrentDropout',
  'unitForgetBias',
  'implementation',
  'unroll',
]);

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

export const anyValue: OptionCheck = () => null;

export function oneOf(...allowed: unknown[]): OptionCheck {
  return (value) =>
    allowed.some((a) => show(a) === show(value))
      ? null
      : `${show(value)} is not supported (supported: ${allowed.map(show).join(', ')})`;
}

/**
 * Fails on any option the converter does not declare: an option nobody looked at could change
 * what the layer computes (a new tfjs version, a hand-edited model.json).
 */
export function checkOptions(ctx: LayerContext, checks: Record<string, OptionCheck>): void {
  for (const [key, value] of Object.entries(ctx.config)) {
    if (TRAINING_ONLY.has(key) || value === undefined) continue;
    if (key === 'dtype') {
      if (value !== 'float32' && value !== null)
        throw unsupported(ctx, key, `dtype ${show(value)}: only float32`);
      continue;
    }
    const check = checks[key];
    if (!check) throw unsupported(ctx, key, `option ${key} = ${show(value)} is not supported`);
    const problem = check(value);
    if (problem) throw unsupported(ctx, key, `option ${key} = ${problem}`);
  }
}

export interface Weight {
  data: Float32Array;
  shape: number[];
  tensor: tf.Tensor;
}

/** A layer's weight by its Keras name (`kernel`, `recurrent_kernel`, `bias`). */
export function weight(ctx: LayerContext, name: string): Weight {
  const index = ctx.layer.weights.findIndex((w) => w.originalName.split('/').pop() === name);
  const tensor = index >= 0 ? ctx.layer.getWeights()[index] : undefined;
  if (!tensor) throw unsupported(ctx, null, `has no weight named '${name}'`);
  if (tensor.dtype !== 'float32')
    throw unsupported(ctx, null, `weight '${name}' is ${tensor.dtype}, not float32`);
  return { data: tensor.dataSync() as Float32Array, shape: tensor.shape, tensor };
}

export function only<T>(ctx: LayerContext, values: T[], what: string): T {
  const [first] = values;
  if (values.length !== 1 || first === undefined) {
    throw unsupported(ctx, null, `expects exactly one ${what}, got ${values.length}`);
  }
  return first;
}

/** The single input and output shape most layers have. */
export function single(ctx: LayerContext): { input: Value; outputShape: Shape } {
  return { input: only(ctx, ctx.inputs, 'input'), outputShape: only(ctx, ctx.outputShapes, 'output') };
}
