import type { Value } from '../onnx/graph.ts';
import {
  type Converter,
  checkOptions,
  type LayerContext,
  type OptionCheck,
  single,
  unsupported,
} from './types.ts';

type Emit = (ctx: LayerContext, input: Value) => Value;

const unary =
  (opType: string, attributes = {}): Emit =>
  (ctx, input) => {
    const name = ctx.graph.op(opType, [input.name], attributes, `${ctx.name}/${opType}`);
    return { ...input, name };
  };

/**
 * tfjs activation names and their ONNX equivalents, each checked by a parity test. tfjs's
 * hardSigmoid is clip(0.2·x + 0.5, 0, 1), which is ONNX HardSigmoid with its default alpha and beta.
 */
const ACTIVATIONS: Record<string, Emit> = {
  linear: (_ctx, input) => input,
  relu: unary('Relu'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  hardSigmoid: unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }),
  elu: unary('Elu', { alpha: { float: 1 } }),
  softplus: unary('Softplus'),
  // tfjs takes the softmax over the last (channels) axis, which is axis 1 of an NCHW value.
  softmax: (ctx, input) =>
    unary('Softmax', { axis: { int: input.layout === 'channelsFirst' ? 1 : -1 } })(ctx, input),
};

export const SUPPORTED_ACTIVATIONS = Object.keys(ACTIVATIONS);

/** Checks a layer's `activation` option. */
export const activationOption: OptionCheck = (value) =>
  typeof value === 'string' && value in ACTIVATIONS
    ? null
    : `${JSON.stringify(value)} is not supported (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`;

/** Applies a layer's fused `activation` (already validated by {@link activationOption}). */
export function applyActivation(ctx: LayerContext, input: Value): Value {
  const activation = ctx.config.activation ?? 'linear';
  const emit = typeof activation === 'string' ? ACTIVATIONS[activation] : undefined;
  if (!emit)
    throw unsupported(ctx, 'activation', `activation ${JSON.stringify(activation)} is not supported`);
  return emit(ctx, input);
}

export const activation: Converter = (ctx) => {
  checkOptions(ctx, { activation: activationOption });
  return [applyActivation(ctx, single(ctx).input)];
};
