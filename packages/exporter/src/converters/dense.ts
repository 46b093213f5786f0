import { activationOption, applyActivation } from './activation.ts';
import { anyValue, type Converter, checkOptions, oneOf, single, weight } from './types.ts';

/** tfjs's kernel is [in, out], which is Gemm's B as it stands (transB = 0). */
export const dense: Converter = (ctx) => {
  checkOptions(ctx, { units: anyValue, activation: activationOption, useBias: oneOf(true, false) });
  const { graph, name } = ctx;
  const { outputShape } = single(ctx);
  // Dense works on the last axis, which must be tfjs's own last axis.
  const input = graph.channelsLast(single(ctx).input);
  const kernel = weight(ctx, 'kernel');
  const inputs = [input.name, graph.initializer(`${name}/kernel`, kernel.data, kernel.shape)];
  if (ctx.config.useBias !== false) {
    const bias = weight(ctx, 'bias');
    inputs.push(graph.initializer(`${name}/bias`, bias.data, bias.shape));
  }

  let output: string;
  if (input.shape.length === 2) {
    output = graph.op('Gemm', inputs, {}, `${name}/Gemm`);
  } else {
    // Gemm takes matrices only; MatMul broadcasts over the leading axes as tfjs's Dense does.
    const [x, w, b] = inputs as [string, string, string | undefined];
    output = graph.op('MatMul', [x, w], {}, `${name}/MatMul`);
    if (b) output = graph.op('Add', [output, b], {}, `${name}/Add`);
  }
  return [applyActivation(ctx, { name: output, shape: outputShape, layout: 'channelsLast' })];
};
